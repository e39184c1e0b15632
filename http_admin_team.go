package livechat

import (
	"net/http"
	"strings"
)

// teamAuth admits agents the host lets manage the team settings.
func (h *adminAPI) teamAuth(next http.HandlerFunc) http.HandlerFunc {
	return h.agentAuth(func(w http.ResponseWriter, r *http.Request) {
		if !agentFrom(r.Context()).Can(PermissionManageTeam) {
			h.fail(w, r, publicf(ErrForbidden, `managing the team needs the "manage_team" permission`))
			return
		}
		next(w, r)
	})
}

// settingsVersion reads the version of a team or an agent's team settings
// in an If-Match header; "" when absent.
func settingsVersion(r *http.Request) (string, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return "", nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	if len(v) != 16 || strings.Trim(v, "0123456789abcdef") != "" {
		return "", publicf(ErrInvalid, `If-Match must be a version as answered, such as "4f1c2a9e0b7d3e65"`)
	}
	return v, nil
}

func writeTeam(w http.ResponseWriter, status int, t versionedTeam) {
	w.Header().Set("ETag", `"`+t.Version+`"`)
	writeJSON(w, status, map[string]any{"team": t})
}

func (h *adminAPI) teamList(w http.ResponseWriter, r *http.Request) {
	teams, err := h.team.versionedTeams(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": teams})
}

func (h *adminAPI) teamCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	t, err := h.team.createTeam(r.Context(), req.ID, req.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeTeam(w, http.StatusCreated, t)
}

func (h *adminAPI) teamRename(w http.ResponseWriter, r *http.Request) {
	version, err := settingsVersion(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	t, err := h.team.renameTeam(r.Context(), r.PathValue("id"), req.Name, version)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeTeam(w, http.StatusOK, t)
}

func (h *adminAPI) teamMembers(w http.ResponseWriter, r *http.Request) {
	version, err := settingsVersion(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req struct {
		AgentIDs *[]string `json:"agentIds"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if req.AgentIDs == nil {
		h.fail(w, r, publicf(ErrInvalid, `"agentIds" is required: the team's members, [] for none`))
		return
	}
	t, err := h.team.setMembers(r.Context(), r.PathValue("id"), *req.AgentIDs, version)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeTeam(w, http.StatusOK, t)
}

func (h *adminAPI) teamDelete(w http.ResponseWriter, r *http.Request) {
	version, err := settingsVersion(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.team.deleteTeam(r.Context(), r.PathValue("id"), version); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *adminAPI) teamAgents(w http.ResponseWriter, r *http.Request) {
	agents, err := h.team.agents(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"agents":          agents,
		"defaultCapacity": h.cfg.DefaultCapacity,
		"maxCapacity":     maxCapacity,
		"maxSkills":       maxAgentSkills,
		"canDeleteTeams":  h.team.canDelete(),
	})
}

func (h *adminAPI) teamAgentUpdate(w http.ResponseWriter, r *http.Request) {
	version, err := settingsVersion(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var ch agentChange
	if err := decodeJSON(w, r, &ch); err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := h.team.updateAgent(r.Context(), r.PathValue("id"), ch, version)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", `"`+a.Version+`"`)
	writeJSON(w, http.StatusOK, map[string]any{"agent": a})
}
