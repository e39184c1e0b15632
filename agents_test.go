package livechat_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// Agents the host registers are listed before they ever sign in, away and
// never seen, with the team settings the host sets marked as the host's.
func TestPutAgentsListsAgentsNeverSignedIn(t *testing.T) {
	e := newTeamEnv(t)
	ctx := context.Background()
	sales := &livechat.Agent{ID: "sales-1", Name: "Agent sales-1", TeamIDs: []string{"sales"}, Skills: []string{"de"}, Capacity: 2}
	a1 := &livechat.Agent{ID: "a1", Name: "Agent a1", Email: "a1@example.com",
		// Neither is the host's to set: the inbox's connection and the
		// agent's own choice set them.
		Presence: livechat.PresenceAvailable, LastSeenAt: time.Now()}
	require.NoError(t, e.chat.PutAgents(ctx, sales, a1))
	require.Equal(t, livechat.PresenceAvailable, a1.Presence, "the caller's agent is not changed")

	status, body := e.agentDo("a2", "GET", "api/v1/agent/agents", nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	listed := map[string]map[string]any{}
	for _, a := range body["agents"].([]any) {
		m := a.(map[string]any)
		listed[m["id"].(string)] = m
	}
	require.Contains(t, listed, "sales-1")
	require.Contains(t, listed, "a1")
	require.Equal(t, "Agent a1", listed["a1"]["name"])
	require.Equal(t, "a1@example.com", listed["a1"]["email"])
	require.Equal(t, "away", listed["a1"]["presence"], "away until the agent opens the inbox")
	require.Nil(t, listed["a1"]["lastSeenAt"], "never seen")

	settings := e.settingsOf()
	require.Equal(t, []any{"teamIds", "skills", "capacity"}, settings["sales-1"]["hostFields"])
	require.EqualValues(t, 2, settings["sales-1"]["capacity"])
	require.Nil(t, settings["a1"]["hostFields"])
	require.NotEmpty(t, settings["a1"]["version"])
	require.Equal(t, []any{"sales-1"}, e.teamsOfAgents()["sales"], "the host's team lists its member")
}

// teamsOfAgents returns, by team id, the agents GET api/v1/agent/teams
// names as its members.
func (e *testEnv) teamsOfAgents() map[string][]any {
	e.t.Helper()
	require.NoError(e.t, e.store.PutTeam(context.Background(), &livechat.Team{ID: "sales", Name: "Sales", UpdatedAt: time.Now()}))
	status, body := e.agentDo("a2", "GET", "api/v1/agent/teams", nil)
	require.Equal(e.t, http.StatusOK, status, "%v", body)
	out := map[string][]any{}
	for _, t := range body["teams"].([]any) {
		m := t.(map[string]any)
		out[m["id"].(string)] = m["agentIds"].([]any)
	}
	return out
}

// A sign-in returning what the host registered stores nothing new, and
// registering the same agents again does not either.
func TestPutAgentsThenSignInChangesNothing(t *testing.T) {
	e := newTeamEnv(t)
	ctx := context.Background()
	require.NoError(t, e.chat.PutAgents(ctx,
		&livechat.Agent{ID: "sales-1", Name: "Agent sales-1", TeamIDs: []string{"sales"}, Skills: []string{"de"}, Capacity: 2},
		&livechat.Agent{ID: "a1", Name: "Agent a1"}))
	before := map[string]*livechat.Agent{}
	for _, id := range []string{"sales-1", "a1"} {
		a, err := e.store.Agent(ctx, id)
		require.NoError(t, err)
		before[id] = a
	}
	versions := e.settingsOf()

	e.signIn("sales-1", "a1")
	require.NoError(t, e.chat.PutAgents(ctx,
		&livechat.Agent{ID: "sales-1", Name: "Agent sales-1", TeamIDs: []string{"sales"}, Skills: []string{"de"}, Capacity: 2},
		&livechat.Agent{ID: "a1", Name: "Agent a1"}))

	after := e.settingsOf()
	for id, was := range before {
		now, err := e.store.Agent(ctx, id)
		require.NoError(t, err)
		require.Equal(t, was.UpdatedAt, now.UpdatedAt, "%s not stored again", id)
		require.Equal(t, was.HostFields, now.HostFields, id)
		require.Equal(t, versions[id]["version"], after[id]["version"], "%s keeps its version", id)
	}
}

// What the team lead set in the inbox for a field the host leaves empty
// survives the host registering the agent again; presence and LastSeenAt
// stay as the inbox set them; a field the host sets is the host's.
func TestPutAgentsKeepsTeamLeadsSettings(t *testing.T) {
	e := newTeamEnv(t)
	ctx := context.Background()
	require.NoError(t, e.chat.PutAgents(ctx, &livechat.Agent{ID: "a1", Name: "Agent a1"}))
	version := e.settingsOf()["a1"]["version"].(string)
	resp, body := e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 2, "skills": []string{"de"}}, version)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	version = body["agent"].(map[string]any)["version"].(string)
	status, body := e.agentDo("a1", "PUT", "api/v1/agent/presence", map[string]any{"presence": "available"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	seen := time.Now().UTC().Truncate(time.Second)
	require.NoError(t, e.store.TouchAgent(ctx, "a1", seen))

	require.NoError(t, e.chat.PutAgents(ctx, &livechat.Agent{ID: "a1", Name: "Ada", Presence: livechat.PresenceAway}))
	a, err := e.store.Agent(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, "Ada", a.Name, "the host's profile")
	require.Equal(t, 2, a.Capacity, "the team lead's capacity kept")
	require.Equal(t, []string{"de"}, a.Skills, "the team lead's skills kept")
	require.Equal(t, livechat.PresenceAvailable, a.Presence, "the agent's presence kept")
	require.True(t, a.LastSeenAt.Equal(seen), "LastSeenAt kept: %v", a.LastSeenAt)
	require.Equal(t, version, e.settingsOf()["a1"]["version"], "the team settings' version kept")

	// The host starts setting the capacity: it is the host's from now on.
	require.NoError(t, e.chat.PutAgents(ctx, &livechat.Agent{ID: "a1", Name: "Ada", Capacity: 5}))
	a1 := e.settingsOf()["a1"]
	require.EqualValues(t, 5, a1["capacity"])
	require.Equal(t, []any{"capacity"}, a1["hostFields"])
	require.Equal(t, []any{"de"}, a1["skills"], "kept")
	resp, body = e.leadDo("PATCH", "api/v1/admin/agents/a1", map[string]any{"capacity": 1}, "")
	requireFields(t, resp, body, "capacity")
}

// A bad agent refuses the whole call: nothing is stored, and the error
// says which agent and why.
func TestPutAgentsRefusesBadAgents(t *testing.T) {
	ok := func() *livechat.Agent { return &livechat.Agent{ID: "ok-1", Name: "Fine"} }
	for _, tt := range []struct {
		name   string
		agents []*livechat.Agent
		want   []string
	}{
		{"ErrEmptyID", []*livechat.Agent{ok(), {Name: "No id"}}, []string{`[1].id: "" is not 1 to 64`}},
		{"ErrSpace", []*livechat.Agent{ok(), {ID: "grace hopper"}}, []string{`[1].id: "grace hopper" is not`}},
		{"ErrTooLong", []*livechat.Agent{{ID: strings.Repeat("a", 65)}, ok()}, []string{"[0].id: "}},
		{"ErrNil", []*livechat.Agent{ok(), nil}, []string{"[1]: must not be nil"}},
		{"ErrListedTwice", []*livechat.Agent{ok(), ok()}, []string{`[1].id: "ok-1" is listed twice`}},
		{"ErrEveryProblem", []*livechat.Agent{{ID: "a/b"}, ok(), nil, ok()}, []string{`[0].id: "a/b"`, "[2]: must not be nil", "[3].id: "}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTeamEnv(t)
			ctx := context.Background()
			err := e.chat.PutAgents(ctx, tt.agents...)
			require.Error(t, err)
			require.True(t, errors.Is(err, livechat.ErrInvalid), "%v", err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
			agents, err := e.store.Agents(ctx)
			require.NoError(t, err)
			require.Empty(t, agents, "nothing stored")
		})
	}
	t.Run("OKNone", func(t *testing.T) {
		e := newTeamEnv(t)
		require.NoError(t, e.chat.PutAgents(context.Background()))
	})
}
