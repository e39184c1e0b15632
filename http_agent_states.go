package livechat

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// listAPI serves the inbox list's filters and search and the thread's
// status changes, for agents (agentAuth).
type listAPI struct{ *server }

// maxSearchText is the longest text the inbox searches for, in characters.
const maxSearchText = 200

// listPage reads the inbox list's query (status, assignee, team,
// chatflow, q, cursor, limit) and returns one page of it.
func (h *listAPI) listPage(r *http.Request, me *Agent) ([]ConversationMatch, string, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", maxConversationPage, 1, maxConversationPage)
	if err != nil {
		return nil, "", err
	}
	f := ConversationFilter{Limit: int(limit), ChatflowID: q.Get("chatflow")}
	if f.ChatflowID != "" && !validID(f.ChatflowID) {
		return nil, "", publicf(ErrInvalid, "chatflow must be a chatflow id")
	}
	switch s := ConversationStatus(q.Get("status")); {
	case s == "":
		f.Status = StatusOpen
	case s == "all":
	case s.valid():
		f.Status = s
	default:
		return nil, "", publicf(ErrInvalid, "status must be open, pending, snoozed, closed or all")
	}
	switch a := q.Get("assignee"); a {
	case "", "any":
	case "me":
		f.AssigneeID = me.ID
	case "unassigned":
		f.Unassigned = true
	default:
		if !validID(a) {
			return nil, "", publicf(ErrInvalid, "assignee must be any, me, unassigned or an agent id")
		}
		f.AssigneeID = a
	}
	if team := q.Get("team"); team != "" {
		if !validID(team) {
			return nil, "", publicf(ErrInvalid, "team must be a team id")
		}
		if f.Unassigned {
			return nil, "", publicf(ErrInvalid, "team lists conversations assigned to the team's members; it cannot be combined with assignee=unassigned")
		}
		if f.AssigneeIDs, err = h.teamMembers(r.Context(), team); err != nil {
			return nil, "", err
		}
		if len(f.AssigneeIDs) == 0 {
			return nil, "", nil // a team without members has no conversations
		}
	}
	text := strings.TrimSpace(q.Get("q"))
	if _, ok := q["q"]; ok && text == "" {
		return nil, "", publicf(ErrInvalid, "q must not be empty")
	}
	if utf8.RuneCountInString(text) > maxSearchText {
		return nil, "", publicf(ErrTooLarge, "q is too long (limit %d characters)", maxSearchText)
	}
	return h.eng.conversationMatches(r.Context(), f, text, q.Get("cursor"))
}

// teamMembers returns the ids of the agents in the team.
func (h *listAPI) teamMembers(ctx context.Context, team string) ([]string, error) {
	agents, err := h.store.Agents(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, a := range agents {
		if slices.Contains(a.TeamIDs, team) {
			ids = append(ids, a.ID)
		}
	}
	return ids, nil
}

type stateRequest struct {
	Status       ConversationStatus `json:"status"`
	SnoozedUntil time.Time          `json:"snoozedUntil"`
}

func (h *listAPI) agentState(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, (&agentAPI{h.server}).agentConversation, func(c *Conversation, req *stateRequest) (int, any, error) {
		c, err := h.eng.states.set(r.Context(), c.ID, agentFrom(r.Context()).ID, req.Status, req.SnoozedUntil)
		return http.StatusOK, map[string]any{"conversation": c}, err
	})
}

// chatflowName is a chatflow as the inbox's filter names it.
type chatflowName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// agentChatflows lists every chatflow's id and name, ordered by id, for
// the inbox's chatflow filter; any agent may read them.
func (h *listAPI) agentChatflows(w http.ResponseWriter, r *http.Request) {
	set, err := h.flows.set(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]chatflowName, 0, len(set.byID))
	for id, f := range set.byID {
		out = append(out, chatflowName{ID: id, Name: f.flow.Name})
	}
	slices.SortFunc(out, func(a, b chatflowName) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, map[string]any{"chatflows": out})
}
