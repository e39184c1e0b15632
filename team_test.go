package livechat_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/routing"
)

// newTeamEnv is newEnv where agents whose id starts with "lead" may manage
// the team, and agents whose id starts with "sales" log in with the host
// naming their team, skills and capacity.
func newTeamEnv(t *testing.T, mutate ...func(*livechat.Config)) *testEnv {
	t.Helper()
	return newEnv(t, append([]func(*livechat.Config){func(c *livechat.Config) {
		c.AgentAuth = testAgentAuth(func(a *livechat.Agent) {
			if strings.HasPrefix(a.ID, "lead") {
				a.Permissions = []string{livechat.PermissionManageTeam}
			}
			if strings.HasPrefix(a.ID, "admin") {
				a.Permissions = []string{livechat.PermissionManageChatflows}
			}
			if strings.HasPrefix(a.ID, "sales") {
				a.TeamIDs, a.Skills, a.Capacity = []string{"sales"}, []string{"de"}, 2
			}
		})
	}}, mutate...)...)
}

func TestAgentTeams(t *testing.T) {
	e := newTeamEnv(t)
	ctx := context.Background()
	require.NoError(t, e.store.PutTeam(ctx, &livechat.Team{ID: "sales", Name: "Sales", AgentIDs: []string{"ignored"}, UpdatedAt: time.Now()}))
	require.NoError(t, e.store.PutTeam(ctx, &livechat.Team{ID: "support", Name: "Support", UpdatedAt: time.Now()}))

	status, _ := e.agentDo("", "GET", "api/v1/agent/teams", nil)
	require.Equal(t, http.StatusUnauthorized, status)

	// Members are the agents whose TeamIDs name the team, whatever the
	// stored team says.
	for _, id := range []string{"sales-2", "sales-1", "a1"} {
		status, _ = e.agentDo(id, "GET", "api/v1/agent/me", nil)
		require.Equal(t, http.StatusOK, status)
	}
	status, body := e.agentDo("a1", "GET", "api/v1/agent/teams", nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	teams := body["teams"].([]any)
	require.Len(t, teams, 2)
	sales, support := teams[0].(map[string]any), teams[1].(map[string]any)
	require.Equal(t, "Sales", sales["name"])
	require.Equal(t, []any{"sales-1", "sales-2"}, sales["agentIds"])
	require.Equal(t, "Support", support["name"])
	require.Equal(t, []any{}, support["agentIds"])
}

// leadDo sends a request as the team lead, with If-Match when version is
// not empty.
func (e *testEnv) leadDo(method, path string, body any, version string) (*http.Response, map[string]any) {
	e.t.Helper()
	h := http.Header{}
	h.Set("X-Test-Agent", "lead")
	if version != "" {
		h.Set("If-Match", `"`+version+`"`)
	}
	return doWithHeaders(e.t, http.DefaultClient, method, e.base+path, body, h)
}

// settingsOf returns the team settings' view of every agent, by id.
func (e *testEnv) settingsOf() map[string]map[string]any {
	e.t.Helper()
	resp, body := e.leadDo("GET", "api/v1/admin/agents", nil, "")
	require.Equal(e.t, http.StatusOK, resp.StatusCode, "%v", body)
	out := map[string]map[string]any{}
	for _, a := range body["agents"].([]any) {
		m := a.(map[string]any)
		out[m["id"].(string)] = m
	}
	return out
}

// teamsOf returns the admin list of teams, by id.
func (e *testEnv) teamsOf() map[string]map[string]any {
	e.t.Helper()
	resp, body := e.leadDo("GET", "api/v1/admin/teams", nil, "")
	require.Equal(e.t, http.StatusOK, resp.StatusCode, "%v", body)
	out := map[string]map[string]any{}
	for _, a := range body["teams"].([]any) {
		m := a.(map[string]any)
		out[m["id"].(string)] = m
	}
	return out
}

// signIn makes the agents known, as their first inbox request does.
func (e *testEnv) signIn(ids ...string) {
	e.t.Helper()
	for _, id := range ids {
		status, body := e.agentDo(id, "GET", "api/v1/agent/me", nil)
		require.Equal(e.t, http.StatusOK, status, "%v", body)
	}
}

// requireFields checks a 400 answer's error: its message and the paths of
// its fields.
func requireFields(t *testing.T, resp *http.Response, body map[string]any, paths ...string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%v", body)
	e := body["error"].(map[string]any)
	require.Equal(t, "bad_request", e["code"])
	require.Equal(t, "invalid team settings", e["message"])
	var got []string
	for _, f := range e["fields"].([]any) {
		got = append(got, f.(map[string]any)["path"].(string))
		require.NotEmpty(t, f.(map[string]any)["message"])
	}
	require.Equal(t, paths, got)
}

// Every team settings endpoint needs a signed-in agent with manage_team.
func TestTeamSettingsNeedManageTeam(t *testing.T) {
	e := newTeamEnv(t)
	e.signIn("a1")
	calls := []struct {
		method, path string
		body         any
	}{
		{"GET", "api/v1/admin/teams", nil},
		{"POST", "api/v1/admin/teams", map[string]any{"name": "Sales"}},
		{"PATCH", "api/v1/admin/teams/sales", map[string]any{"name": "Sales"}},
		{"DELETE", "api/v1/admin/teams/sales", nil},
		{"PUT", "api/v1/admin/teams/sales/members", map[string]any{"agentIds": []string{"a1"}}},
		{"GET", "api/v1/admin/agents", nil},
		{"PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 1}},
	}
	for _, c := range calls {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			status, body := e.agentDo("", c.method, c.path, c.body)
			require.Equal(t, http.StatusUnauthorized, status, "%v", body)
			status, body = e.agentDo("a1", c.method, c.path, c.body)
			require.Equal(t, http.StatusForbidden, status, "%v", body)
			require.Equal(t, `managing the team needs the "manage_team" permission`, body["error"].(map[string]any)["message"])
		})
	}
	teams, err := e.store.Teams(context.Background())
	require.NoError(t, err)
	require.Empty(t, teams)
	a, err := e.store.Agent(context.Background(), "a1")
	require.NoError(t, err)
	require.Zero(t, a.Capacity)
}

func TestTeamCreateRenameDelete(t *testing.T) {
	e := newTeamEnv(t)
	e.signIn("a1")

	resp, body := e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "  Sales EMEA "}, "")
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", body)
	team := body["team"].(map[string]any)
	require.Equal(t, "sales-emea", team["id"], "the id is made from the name")
	require.Equal(t, "Sales EMEA", team["name"], "trimmed")
	require.Equal(t, []any{}, team["agentIds"])
	version := team["version"].(string)
	require.Equal(t, `"`+version+`"`, resp.Header.Get("ETag"))

	t.Run("BadInput", func(t *testing.T) {
		resp, body := e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "sales emea"}, "")
		requireFields(t, resp, body, "name")
		require.Equal(t, "another team has this name", body["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)["message"])
		resp, body = e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": " ", "id": "no spaces"}, "")
		requireFields(t, resp, body, "name", "id")
		resp, body = e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": strings.Repeat("x", 65)}, "")
		requireFields(t, resp, body, "name")
		resp, body = e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Bell\a"}, "")
		requireFields(t, resp, body, "name")
		resp, body = e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Other", "id": "sales-emea"}, "")
		requireFields(t, resp, body, "id")
		resp, body = e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Other", "colour": "red"}, "")
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "unknown field: %v", body)
		require.Len(t, e.teamsOf(), 1, "nothing stored")
	})

	t.Run("ChosenID", func(t *testing.T) {
		resp, body := e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Support", "id": "support"}, "")
		require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", body)
		require.Equal(t, "support", body["team"].(map[string]any)["id"])
	})

	t.Run("Rename", func(t *testing.T) {
		resp, body := e.leadDo("PATCH", "api/v1/admin/teams/sales-emea", map[string]any{"name": "Support"}, version)
		requireFields(t, resp, body, "name")
		resp, body = e.leadDo("PATCH", "api/v1/admin/teams/sales-emea", map[string]any{"name": "Sales"}, "0123456789abcdef")
		require.Equal(t, http.StatusConflict, resp.StatusCode, "%v", body)
		require.Equal(t, "Sales EMEA", e.teamsOf()["sales-emea"]["name"], "nothing changed")
		resp, body = e.leadDo("PATCH", "api/v1/admin/teams/sales-emea", map[string]any{"name": "Sales"}, "not a version")
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%v", body)

		resp, body = e.leadDo("PATCH", "api/v1/admin/teams/sales-emea", map[string]any{"name": "Sales"}, version)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		require.Equal(t, "Sales", body["team"].(map[string]any)["name"])
		require.NotEqual(t, version, body["team"].(map[string]any)["version"])
		version = body["team"].(map[string]any)["version"].(string)
		resp, body = e.leadDo("PATCH", "api/v1/admin/teams/missing", map[string]any{"name": "X"}, "")
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%v", body)
		// Agents see the new name at once.
		status, body := e.agentDo("a1", "GET", "api/v1/agent/teams", nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "Sales", body["teams"].([]any)[0].(map[string]any)["name"])
	})

	t.Run("Delete", func(t *testing.T) {
		resp, body := e.leadDo("PUT", "api/v1/admin/teams/sales-emea/members", map[string]any{"agentIds": []string{"a1"}}, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		version = body["team"].(map[string]any)["version"].(string)

		resp, body = e.leadDo("DELETE", "api/v1/admin/teams/sales-emea", nil, "0123456789abcdef")
		require.Equal(t, http.StatusConflict, resp.StatusCode, "%v", body)
		resp, body = e.leadDo("DELETE", "api/v1/admin/teams/sales-emea", nil, version)
		require.Equal(t, http.StatusNoContent, resp.StatusCode, "%v", body)
		require.NotContains(t, e.teamsOf(), "sales-emea")
		a, err := e.store.Agent(context.Background(), "a1")
		require.NoError(t, err)
		require.Empty(t, a.TeamIDs, "its members left it")
		resp, body = e.leadDo("DELETE", "api/v1/admin/teams/sales-emea", nil, "")
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%v", body)
	})

	t.Run("DeleteRefusedWhileAChatflowNamesIt", func(t *testing.T) {
		status, body := e.agentDo("admin", "GET", "api/v1/admin/chatflows/"+livechat.DefaultChatflowID, nil)
		require.Equal(t, http.StatusOK, status, "%v", body)
		f := body["chatflow"].(map[string]any)
		f["build"].(map[string]any)["assignment"].(map[string]any)["teamIds"] = []string{"support"}
		h := http.Header{"X-Test-Agent": {"admin"}, "If-Match": {`"1"`}}
		resp, body := doWithHeaders(t, http.DefaultClient, "PUT", e.base+"api/v1/admin/chatflows/"+livechat.DefaultChatflowID, f, h)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)

		resp, body = e.leadDo("DELETE", "api/v1/admin/teams/support", nil, "")
		require.Equal(t, http.StatusConflict, resp.StatusCode, "%v", body)
		require.Contains(t, body["error"].(map[string]any)["message"], "names this team")
		require.Contains(t, e.teamsOf(), "support")
	})
}

func TestTeamMembers(t *testing.T) {
	e := newTeamEnv(t)
	e.signIn("a1", "a2", "sales-1")
	resp, body := e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Support"}, "")
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", body)
	version := body["team"].(map[string]any)["version"].(string)

	resp, body = e.leadDo("PUT", "api/v1/admin/teams/support/members", map[string]any{"agentIds": []string{"a2", "a1"}}, version)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	team := body["team"].(map[string]any)
	require.Equal(t, []any{"a1", "a2"}, team["agentIds"])
	version = team["version"].(string)
	settings := e.settingsOf()
	require.Equal(t, []any{"support"}, settings["a1"]["teamIds"], "membership is the agent's TeamIDs")
	require.Equal(t, []any{"support"}, settings["a2"]["teamIds"])

	t.Run("BadInput", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			ids   []string
			paths []string
		}{
			{"UnknownAgent", []string{"a1", "nobody"}, []string{"agentIds[1]"}},
			{"Twice", []string{"a1", "a1"}, []string{"agentIds[1]"}},
			{"HostSetsTheirTeams", []string{"a1", "a2", "sales-1"}, []string{"agentIds[2]"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				resp, body := e.leadDo("PUT", "api/v1/admin/teams/support/members", map[string]any{"agentIds": tt.ids}, version)
				requireFields(t, resp, body, tt.paths...)
				require.Equal(t, []any{"a1", "a2"}, e.teamsOf()["support"]["agentIds"], "nothing changed")
			})
		}
		resp, body := e.leadDo("PUT", "api/v1/admin/teams/support/members", map[string]any{}, version)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%v", body)
		resp, body = e.leadDo("PUT", "api/v1/admin/teams/missing/members", map[string]any{"agentIds": []string{}}, "")
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%v", body)
		resp, body = e.leadDo("PUT", "api/v1/admin/teams/support/members", map[string]any{"agentIds": []string{"a1"}}, "0123456789abcdef")
		require.Equal(t, http.StatusConflict, resp.StatusCode, "%v", body)
		require.Equal(t, []any{"a1", "a2"}, e.teamsOf()["support"]["agentIds"], "nothing changed")
	})

	t.Run("Remove", func(t *testing.T) {
		resp, body := e.leadDo("PUT", "api/v1/admin/teams/support/members", map[string]any{"agentIds": []string{"a1"}}, version)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		require.Equal(t, []any{"a1"}, body["team"].(map[string]any)["agentIds"])
		require.Nil(t, e.settingsOf()["a2"]["teamIds"])
	})

	t.Run("HostMembersStay", func(t *testing.T) {
		resp, body := e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Sales", "id": "sales"}, "")
		require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", body)
		require.Equal(t, []any{"sales-1"}, body["team"].(map[string]any)["agentIds"], "the host's TeamIDs make members too")
		resp, body = e.leadDo("PUT", "api/v1/admin/teams/sales/members", map[string]any{"agentIds": []string{"a2"}}, "")
		requireFields(t, resp, body, "agentIds")
		resp, body = e.leadDo("PUT", "api/v1/admin/teams/sales/members", map[string]any{"agentIds": []string{"sales-1", "a2"}}, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		require.Equal(t, []any{"a2", "sales-1"}, body["team"].(map[string]any)["agentIds"])
		resp, body = e.leadDo("DELETE", "api/v1/admin/teams/sales", nil, "")
		require.Equal(t, http.StatusConflict, resp.StatusCode, "%v", body)
		require.Contains(t, body["error"].(map[string]any)["message"], "sign-in")
		require.Equal(t, []any{"sales"}, e.settingsOf()["a2"]["teamIds"], "nothing changed")
	})
}

func TestTeamAgentSettings(t *testing.T) {
	e := newTeamEnv(t)
	e.signIn("a1", "sales-1")
	settings := e.settingsOf()
	a1 := settings["a1"]
	require.Nil(t, a1["hostFields"], "the host sets none of a1's team settings")
	require.Equal(t, []any{"teamIds", "skills", "capacity"}, settings["sales-1"]["hostFields"])
	version := a1["version"].(string)

	resp, body := e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 2, "skills": []string{" German ", "billing"}}, version)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	got := body["agent"].(map[string]any)
	require.EqualValues(t, 2, got["capacity"])
	require.Equal(t, []any{"German", "billing"}, got["skills"], "trimmed")
	require.Equal(t, `"`+got["version"].(string)+`"`, resp.Header.Get("ETag"))
	version = got["version"].(string)

	long := strings.Repeat("x", 65)
	many := make([]string, 21)
	for i := range many {
		many[i] = "skill" + strconv.Itoa(i)
	}
	for _, tt := range []struct {
		name  string
		body  map[string]any
		paths []string
	}{
		{"NegativeCapacity", map[string]any{"capacity": -1}, []string{"capacity"}},
		{"CapacityTooHigh", map[string]any{"capacity": 101}, []string{"capacity"}},
		{"EmptySkill", map[string]any{"skills": []string{"de", "  "}}, []string{"skills[1]"}},
		{"LongSkill", map[string]any{"skills": []string{long}}, []string{"skills[0]"}},
		{"ControlCharacter", map[string]any{"skills": []string{"a\nb"}}, []string{"skills[0]"}},
		{"SameSkillTwice", map[string]any{"skills": []string{"German", "german "}}, []string{"skills[1]"}},
		{"TooManySkills", map[string]any{"skills": many}, []string{"skills"}},
		{"EveryProblemAtOnce", map[string]any{"capacity": 1000, "skills": []string{"", "ok", ""}}, []string{"capacity", "skills[0]", "skills[2]"}},
		{"Nothing", map[string]any{}, []string{""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.leadDo("PATCH", "api/v1/admin/agents/a1", tt.body, version)
			requireFields(t, resp, body, tt.paths...)
			now := e.settingsOf()["a1"]
			require.EqualValues(t, 2, now["capacity"], "nothing changed")
			require.Equal(t, []any{"German", "billing"}, now["skills"], "nothing changed")
		})
	}
	t.Run("NotANumber", func(t *testing.T) {
		resp, body := e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": "3"}, version)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%v", body)
	})
	t.Run("HostSetsThem", func(t *testing.T) {
		resp, body := e.leadDo("PATCH", "api/v1/admin/agents/sales-1", map[string]any{"capacity": 4, "skills": []string{"fr"}}, "")
		requireFields(t, resp, body, "capacity", "skills")
		require.EqualValues(t, 2, e.settingsOf()["sales-1"]["capacity"])
	})
	t.Run("Stale", func(t *testing.T) {
		resp, body := e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 4}, "0123456789abcdef")
		require.Equal(t, http.StatusConflict, resp.StatusCode, "%v", body)
		require.EqualValues(t, 2, e.settingsOf()["a1"]["capacity"])
	})
	t.Run("PresenceKeepsTheVersion", func(t *testing.T) {
		status, _ := e.agentDo("a1", "PUT", "api/v1/agent/presence", map[string]any{"presence": "available"})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, version, e.settingsOf()["a1"]["version"])
	})
	t.Run("UnknownAgent", func(t *testing.T) {
		resp, body := e.leadDo("PATCH", "api/v1/admin/agents/nobody", map[string]any{"capacity": 1}, "")
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%v", body)
	})
	t.Run("BackToTheDefault", func(t *testing.T) {
		resp, body := e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 0, "skills": []string{}}, version)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		require.Nil(t, body["agent"].(map[string]any)["capacity"], "0: the Handler's default")
		require.Nil(t, body["agent"].(map[string]any)["skills"])
	})
}

// What the inbox's team settings changed survives the next sign-in; what
// the host sets is the host's, and a field the host starts setting becomes
// the host's.
func TestSignInKeepsTeamSettings(t *testing.T) {
	var mu sync.Mutex
	hostCapacity := 0
	e := newTeamEnv(t, func(c *livechat.Config) {
		c.AgentAuth = testAgentAuth(func(a *livechat.Agent) {
			if a.ID == "lead" {
				a.Permissions = []string{livechat.PermissionManageTeam}
			}
			mu.Lock()
			defer mu.Unlock()
			if a.ID == "a1" {
				a.Capacity = hostCapacity
			}
		})
	})
	e.signIn("a1")
	resp, body := e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Support"}, "")
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", body)
	resp, body = e.leadDo("PUT", "api/v1/admin/teams/support/members", map[string]any{"agentIds": []string{"a1"}}, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	resp, body = e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 2, "skills": []string{"de"}}, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)

	status, body := e.agentDo("a1", "GET", "api/v1/agent/me", nil)
	require.Equal(t, http.StatusOK, status)
	me := body["agent"].(map[string]any)
	require.EqualValues(t, 2, me["capacity"])
	require.Equal(t, []any{"de"}, me["skills"])
	require.Equal(t, []any{"support"}, me["teamIds"])
	a, err := e.store.Agent(context.Background(), "a1")
	require.NoError(t, err)
	require.Equal(t, 2, a.Capacity)
	require.Equal(t, []string{"support"}, a.TeamIDs)

	mu.Lock()
	hostCapacity = 4
	mu.Unlock()
	e.signIn("a1")
	a1 := e.settingsOf()["a1"]
	require.EqualValues(t, 4, a1["capacity"], "the host's value")
	require.Equal(t, []any{"capacity"}, a1["hostFields"])
	require.Equal(t, []any{"de"}, a1["skills"], "kept")
	require.Equal(t, []any{"support"}, a1["teamIds"], "kept")
	resp, body = e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 1}, "")
	requireFields(t, resp, body, "capacity")
}

// Routing reads the team settings as they are stored now: a capacity
// lowered in the inbox holds for the next conversation, one raised gives
// a waiting conversation to the agent at once, skills set there meet the
// chatflow's skill rules, and members added to a team take its
// conversations.
func TestTeamSettingsRoute(t *testing.T) {
	// start opens a conversation for a new visitor whose browser reports
	// lang, in the chatflow the page shows.
	start := func(t *testing.T, e *testEnv, lang string) string {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		v := &visitor{e: e, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
		page := e.srv.URL + "/pricing"
		status, body := v.do("POST", "api/v1/visitor/config", map[string]any{"url": page, "language": lang})
		require.Equal(t, http.StatusOK, status, "%v", body)
		flowID := body["chat"].(map[string]any)["chatflowId"]
		status, body = v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": page, "chatflowId": flowID})
		require.Equal(t, http.StatusCreated, status, "%v", body)
		return body["conversation"].(map[string]any)["id"].(string)
	}
	assignee := func(t *testing.T, e *testEnv, id string) string {
		t.Helper()
		c, err := e.chat.Conversation(context.Background(), id)
		require.NoError(t, err)
		return c.AssigneeID
	}

	t.Run("Capacity", func(t *testing.T) {
		e := newTeamEnv(t)
		e.makeAvailable(t, "a1", time.Now())
		resp, body := e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 1}, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)

		first, second := start(t, e, "en"), start(t, e, "en")
		require.Equal(t, "a1", assignee(t, e, first))
		require.Empty(t, assignee(t, e, second), "a1 is at the capacity set in the inbox (the default is 5)")

		resp, body = e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 2}, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		require.Equal(t, "a1", assignee(t, e, second), "raising the capacity hands the waiting conversation over")
	})

	t.Run("Skills", func(t *testing.T) {
		f := flow.New("Support")
		f.ID = "support"
		f.Build.Assignment.SkillRules = []routing.SkillRule{
			{When: routing.Condition{Field: routing.FieldLanguage, Op: routing.OpIs, Value: "sv"}, Skills: []string{"swedish"}},
		}
		e := newTeamEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f} })
		now := time.Now()
		e.makeAvailable(t, "a1", now)
		e.makeAvailable(t, "a2", now)

		waiting := start(t, e, "sv")
		require.Empty(t, assignee(t, e, waiting), "nobody has the skill yet")
		resp, body := e.leadDo("PATCH", "api/v1/admin/agents/a2", map[string]any{"skills": []string{"Swedish"}}, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		require.Equal(t, "a2", assignee(t, e, waiting), "the skill set in the inbox routes it at once")
		require.Equal(t, "a2", assignee(t, e, start(t, e, "sv")))
	})

	t.Run("Members", func(t *testing.T) {
		f := flow.New("Sales")
		f.ID = "sales-flow"
		f.Build.Assignment.TeamIDs = []string{"sales"}
		e := newTeamEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f} })
		now := time.Now()
		e.makeAvailable(t, "a1", now)
		e.makeAvailable(t, "a2", now)
		resp, body := e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Sales", "id": "sales"}, "")
		require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", body)

		waiting := start(t, e, "en")
		require.Empty(t, assignee(t, e, waiting), "the team has no members yet")
		resp, body = e.leadDo("PUT", "api/v1/admin/teams/sales/members", map[string]any{"agentIds": []string{"a2"}}, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
		require.Equal(t, "a2", assignee(t, e, waiting))
		require.Equal(t, "a2", assignee(t, e, start(t, e, "en")), "a1 is not in the team")
	})
}

// onlyStorage hides the optional interfaces of the Storage it wraps.
type onlyStorage struct{ livechat.Storage }

// With a Storage that cannot delete teams, deleting one is refused and
// changes nothing; the rest of the team settings work.
func TestTeamDeleteNeedsTeamDeleter(t *testing.T) {
	e := newTeamEnv(t, func(c *livechat.Config) { c.Storage = onlyStorage{c.Storage} })
	e.signIn("a1")
	resp, body := e.leadDo("POST", "api/v1/admin/teams", map[string]any{"name": "Support"}, "")
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", body)
	resp, body = e.leadDo("PUT", "api/v1/admin/teams/support/members", map[string]any{"agentIds": []string{"a1"}}, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)

	resp, body = e.leadDo("GET", "api/v1/admin/agents", nil, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	require.Equal(t, false, body["canDeleteTeams"])
	require.EqualValues(t, 5, body["defaultCapacity"])
	resp, body = e.leadDo("DELETE", "api/v1/admin/teams/support", nil, "")
	require.Equal(t, http.StatusConflict, resp.StatusCode, "%v", body)
	require.Equal(t, "this Storage cannot delete teams", body["error"].(map[string]any)["message"])
	require.Equal(t, []any{"a1"}, e.teamsOf()["support"]["agentIds"], "nothing changed")
}

// The Team page and its files are served beside the inbox, which links to
// it (the link shows only for agents with manage_team).
func TestTeamPage(t *testing.T) {
	e := newTeamEnv(t)
	for path, want := range map[string]string{
		"inbox/team":     `<script src="team.js" defer></script>`,
		"inbox/team.js":  "admin/agents",
		"inbox/team.css": ".lct-card",
		"inbox/":         `<a id="lc-team" class="lc-chatflows" href="team" hidden>Team</a>`,
		"inbox/inbox.js": "'manage_team'",
	} {
		resp, err := http.Get(e.base + path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Contains(t, string(body), want, path)
	}
}
