package livechat

import (
	"context"
	"slices"
	"time"
)

// teamSettings owns the team settings: teams and their members, and each
// agent's capacity and skills. A team's members are the agents whose
// TeamIDs name it: Agent.TeamIDs is the one record of membership, the one
// routing reads; a stored Team keeps its name and avatar, and the Handler
// fills Team.AgentIDs from the agents whenever it answers with a team.
type teamSettings struct {
	store   Storage
	routing *router
	now     func() time.Time
}

// teams returns every stored team, ordered by ID, with AgentIDs the agents
// whose TeamIDs name it, ordered by ID.
func (ts *teamSettings) teams(ctx context.Context) ([]*Team, error) {
	teams, err := ts.store.Teams(ctx)
	if err != nil {
		return nil, err
	}
	agents, err := ts.store.Agents(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		t.AgentIDs = membersOf(agents, t.ID)
	}
	return teams, nil
}

// membersOf returns the ids of the agents whose TeamIDs name the team,
// ordered by ID; never nil.
func membersOf(agents []*Agent, teamID string) []string {
	out := []string{}
	for _, a := range agents {
		if slices.Contains(a.TeamIDs, teamID) {
			out = append(out, a.ID)
		}
	}
	slices.Sort(out)
	return out
}
