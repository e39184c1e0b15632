package livechat_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
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
