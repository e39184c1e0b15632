package routing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/routing"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// at returns the instant minutes after a fixed base time.
func at(minutes int) time.Time {
	return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

// agent is an available candidate without a limit, never assigned.
func agent(id string, opts ...func(*routing.Candidate)) routing.Candidate {
	c := routing.Candidate{ID: id, Available: true}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func teams(t ...string) func(*routing.Candidate)  { return func(c *routing.Candidate) { c.Teams = t } }
func skills(s ...string) func(*routing.Candidate) { return func(c *routing.Candidate) { c.Skills = s } }
func away(c *routing.Candidate)                   { c.Available = false }
func load(open, capacity int) func(*routing.Candidate) {
	return func(c *routing.Candidate) { c.Open, c.Capacity = open, capacity }
}
func assigned(minutes int) func(*routing.Candidate) {
	return func(c *routing.Candidate) { c.LastAssigned = at(minutes) }
}

func TestChoose(t *testing.T) {
	rr := routing.StrategyRoundRobin
	tests := []struct {
		name   string
		req    routing.Request
		cands  []routing.Candidate
		want   string
		reason routing.Reason
	}{
		// round robin
		{"RoundRobinOldestAssigned", routing.Request{Strategy: rr},
			[]routing.Candidate{agent("a", assigned(5)), agent("b", assigned(1)), agent("c", assigned(3))}, "b", ""},
		{"RoundRobinNeverAssignedFirst", routing.Request{Strategy: rr},
			[]routing.Candidate{agent("a", assigned(-1000)), agent("b"), agent("c", assigned(3))}, "b", ""},
		{"RoundRobinTieByID", routing.Request{Strategy: rr},
			[]routing.Candidate{agent("c", assigned(1)), agent("a", assigned(1)), agent("b", assigned(1))}, "a", ""},
		{"RoundRobinTieNeverAssignedByID", routing.Request{Strategy: rr},
			[]routing.Candidate{agent("c"), agent("b")}, "b", ""},
		{"EmptyStrategyIsRoundRobin", routing.Request{},
			[]routing.Candidate{agent("a", assigned(5), load(0, 0)), agent("b", assigned(1), load(9, 0))}, "b", ""},
		{"UnknownStrategyIsRoundRobin", routing.Request{Strategy: "random"},
			[]routing.Candidate{agent("a", assigned(5)), agent("b", assigned(1))}, "b", ""},
		{"RoundRobinIgnoresLoad", routing.Request{Strategy: rr},
			[]routing.Candidate{agent("a", assigned(5), load(0, 5)), agent("b", assigned(1), load(4, 5))}, "b", ""},
		{"RoundRobinIgnoresOwner", routing.Request{Strategy: rr, OwnerID: "a"},
			[]routing.Candidate{agent("a", assigned(5)), agent("b", assigned(1))}, "b", ""},

		// least busy
		{"LeastBusyFewestOpen", routing.Request{Strategy: routing.StrategyLeastBusy},
			[]routing.Candidate{agent("a", load(3, 0)), agent("b", load(1, 10)), agent("c", load(2, 0))}, "b", ""},
		{"LeastBusyTieByOldestAssigned", routing.Request{Strategy: routing.StrategyLeastBusy},
			[]routing.Candidate{agent("a", load(1, 0), assigned(2)), agent("b", load(1, 0), assigned(1)), agent("c", load(2, 0))}, "b", ""},
		{"LeastBusyTieByID", routing.Request{Strategy: routing.StrategyLeastBusy},
			[]routing.Candidate{agent("b", load(1, 0), assigned(1)), agent("a", load(1, 0), assigned(1))}, "a", ""},
		{"LeastBusySkipsFullAgent", routing.Request{Strategy: routing.StrategyLeastBusy},
			[]routing.Candidate{agent("a", load(2, 2)), agent("b", load(5, 0))}, "b", ""},

		// lists and teams
		{"UserListed", routing.Request{UserIDs: []string{"c"}},
			[]routing.Candidate{agent("a"), agent("b"), agent("c", assigned(9))}, "c", ""},
		{"TeamMember", routing.Request{TeamIDs: []string{"sales"}},
			[]routing.Candidate{agent("a", teams("support")), agent("b", teams("support", "sales"), assigned(4))}, "b", ""},
		{"UserOrTeam", routing.Request{UserIDs: []string{"a"}, TeamIDs: []string{"sales"}},
			[]routing.Candidate{agent("a", assigned(3)), agent("b", teams("sales"), assigned(2)), agent("c", assigned(1))}, "b", ""},
		{"AnyOfSeveralTeams", routing.Request{TeamIDs: []string{"sales", "vip"}},
			[]routing.Candidate{agent("a", teams("support")), agent("b", teams("vip"))}, "b", ""},
		{"NoListsEveryone", routing.Request{},
			[]routing.Candidate{agent("z", teams("x"), assigned(1)), agent("y", assigned(2))}, "z", ""},
		{"TeamIDsCaseSensitive", routing.Request{TeamIDs: []string{"Sales"}},
			[]routing.Candidate{agent("a", teams("sales"))}, "", routing.ReasonNoneEligible},
		{"NobodyListed", routing.Request{UserIDs: []string{"x"}, TeamIDs: []string{"y"}},
			[]routing.Candidate{agent("a", teams("z"))}, "", routing.ReasonNoneEligible},
		{"NoCandidates", routing.Request{}, nil, "", routing.ReasonNoneEligible},

		// skills
		{"SkillsAllRequired", routing.Request{Strategy: routing.StrategySkills, Required: []string{"swedish", "billing"}},
			[]routing.Candidate{agent("a", skills("swedish")), agent("b", skills("billing", "swedish"), assigned(9))}, "b", ""},
		{"SkillsCaseInsensitive", routing.Request{Required: []string{"Swedish"}},
			[]routing.Candidate{agent("a", skills("english")), agent("b", skills("SWEDISH"))}, "b", ""},
		{"SkillsApplyToEveryStrategy", routing.Request{Strategy: routing.StrategyLeastBusy, Required: []string{"vip"}},
			[]routing.Candidate{agent("a"), agent("b", skills("vip"), load(5, 0))}, "b", ""},
		{"SkillsStrategyRoundRobin", routing.Request{Strategy: routing.StrategySkills, Required: []string{"vip"}},
			[]routing.Candidate{agent("a", skills("vip"), assigned(2)), agent("b", skills("vip"), assigned(1))}, "b", ""},
		{"SkillsStrategyNoneRequired", routing.Request{Strategy: routing.StrategySkills},
			[]routing.Candidate{agent("a", assigned(2)), agent("b", assigned(1))}, "b", ""},
		{"SkillsEmptyRequiredIgnored", routing.Request{Required: []string{""}},
			[]routing.Candidate{agent("a")}, "a", ""},
		{"SkillsNobody", routing.Request{Required: []string{"german"}},
			[]routing.Candidate{agent("a", skills("swedish")), agent("b")}, "", routing.ReasonNoneEligible},
		{"SkillsAndLists", routing.Request{UserIDs: []string{"a"}, Required: []string{"german"}},
			[]routing.Candidate{agent("a", skills("swedish")), agent("b", skills("german"))}, "", routing.ReasonNoneEligible},

		// capacity
		{"OpenEqualsCapacityExcluded", routing.Request{},
			[]routing.Candidate{agent("a", load(3, 3)), agent("b", load(2, 3), assigned(9))}, "b", ""},
		{"OpenBelowCapacityChosen", routing.Request{},
			[]routing.Candidate{agent("a", load(2, 3))}, "a", ""},
		{"OpenAboveCapacityExcluded", routing.Request{},
			[]routing.Candidate{agent("a", load(4, 3))}, "", routing.ReasonAtCapacity},
		{"CapacityZeroUnlimited", routing.Request{},
			[]routing.Candidate{agent("a", load(1000, 0))}, "a", ""},
		{"CapacityNegativeUnlimited", routing.Request{},
			[]routing.Candidate{agent("a", load(7, -1))}, "a", ""},
		{"CapacityOne", routing.Request{},
			[]routing.Candidate{agent("a", load(1, 1)), agent("b", load(0, 1), assigned(5))}, "b", ""},

		// contact owner
		{"OwnerChosen", routing.Request{Strategy: routing.StrategyContactOwner, OwnerID: "c"},
			[]routing.Candidate{agent("a"), agent("b"), agent("c", assigned(9), load(5, 6))}, "c", ""},
		{"OwnerOutsideListsChosen", routing.Request{Strategy: routing.StrategyContactOwner, UserIDs: []string{"a"}, OwnerID: "o"},
			[]routing.Candidate{agent("a"), agent("o", assigned(9))}, "o", ""},
		{"OwnerAwayFallsBackToRoundRobin", routing.Request{Strategy: routing.StrategyContactOwner, OwnerID: "c"},
			[]routing.Candidate{agent("a", assigned(2)), agent("b", assigned(1)), agent("c", away)}, "b", ""},
		{"OwnerFullFallsBackToRoundRobin", routing.Request{Strategy: routing.StrategyContactOwner, OwnerID: "c"},
			[]routing.Candidate{agent("a", assigned(2)), agent("b", assigned(1)), agent("c", load(2, 2))}, "b", ""},
		{"OwnerWithoutSkillsFallsBack", routing.Request{Strategy: routing.StrategyContactOwner, OwnerID: "c", Required: []string{"vip"}},
			[]routing.Candidate{agent("a", skills("vip"), assigned(2)), agent("c", skills("basic"))}, "a", ""},
		{"OwnerUnknownRoundRobin", routing.Request{Strategy: routing.StrategyContactOwner, OwnerID: "ghost"},
			[]routing.Candidate{agent("a", assigned(2)), agent("b", assigned(1))}, "b", ""},
		{"NoOwnerRoundRobin", routing.Request{Strategy: routing.StrategyContactOwner},
			[]routing.Candidate{agent("a", assigned(2)), agent("b", assigned(1))}, "b", ""},
		{"OwnerAwayOutsideListsNotInFallback", routing.Request{Strategy: routing.StrategyContactOwner, UserIDs: []string{"a"}, OwnerID: "o"},
			[]routing.Candidate{agent("a", load(1, 1)), agent("o", away)}, "", routing.ReasonAtCapacity},

		// reasons
		{"NoneAvailable", routing.Request{TeamIDs: []string{"sales"}},
			[]routing.Candidate{agent("a", teams("sales"), away), agent("b", teams("support"))}, "", routing.ReasonNoneAvailable},
		{"NoneAvailableEvenIfFull", routing.Request{},
			[]routing.Candidate{agent("a", away, load(0, 5)), agent("b", away, load(5, 5))}, "", routing.ReasonNoneAvailable},
		{"AtCapacity", routing.Request{},
			[]routing.Candidate{agent("a", load(2, 2)), agent("b", away)}, "", routing.ReasonAtCapacity},
		{"AtCapacityOnlyCountsEligible", routing.Request{Required: []string{"vip"}},
			[]routing.Candidate{agent("a", skills("vip"), load(2, 2)), agent("b")}, "", routing.ReasonAtCapacity},
		{"OwnerOutsideListsCountsForReason", routing.Request{Strategy: routing.StrategyContactOwner, UserIDs: []string{"a"}, OwnerID: "o"},
			[]routing.Candidate{agent("a", away), agent("o", load(3, 3))}, "", routing.ReasonAtCapacity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok, reason := routing.Choose(tt.req, tt.cands)
			require.Equal(t, tt.want, id)
			require.Equal(t, tt.want != "", ok)
			require.Equal(t, tt.reason, reason)
		})
	}
}

func TestChooseDuplicateIDsFirstWins(t *testing.T) {
	cands := []routing.Candidate{agent("a", teams("x")), agent("a", teams("y"))}
	id, ok, _ := routing.Choose(routing.Request{TeamIDs: []string{"y"}}, cands)
	require.True(t, ok)
	require.Equal(t, "a", id)
}

func TestChooseLeavesInputAlone(t *testing.T) {
	cands := []routing.Candidate{agent("b", skills("X")), agent("a", skills("x"), load(1, 2))}
	before := []routing.Candidate{agent("b", skills("X")), agent("a", skills("x"), load(1, 2))}
	routing.Choose(routing.Request{Strategy: routing.StrategyLeastBusy, Required: []string{"x"}}, cands)
	require.Equal(t, before, cands)
}

func TestEligible(t *testing.T) {
	tests := []struct {
		name string
		req  routing.Request
		c    routing.Candidate
		want bool
	}{
		{"EveryoneWithoutLists", routing.Request{}, agent("a"), true},
		{"IgnoresAvailability", routing.Request{}, agent("a", away), true},
		{"IgnoresCapacity", routing.Request{}, agent("a", load(3, 3)), true},
		{"ListedUser", routing.Request{UserIDs: []string{"a"}}, agent("a"), true},
		{"UnlistedUser", routing.Request{UserIDs: []string{"b"}}, agent("a"), false},
		{"TeamMember", routing.Request{TeamIDs: []string{"t"}}, agent("a", teams("u", "t")), true},
		{"MissingSkill", routing.Request{Required: []string{"a", "b"}}, agent("a", skills("A")), false},
		{"OwnerOutsideLists", routing.Request{Strategy: routing.StrategyContactOwner, UserIDs: []string{"b"}, OwnerID: "a"}, agent("a"), true},
		{"OwnerOutsideListsOtherStrategy", routing.Request{Strategy: routing.StrategyRoundRobin, UserIDs: []string{"b"}, OwnerID: "a"}, agent("a"), false},
		{"OwnerWithoutSkills", routing.Request{Strategy: routing.StrategyContactOwner, UserIDs: []string{"b"}, OwnerID: "a", Required: []string{"x"}}, agent("a"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, routing.Eligible(tt.req, tt.c))
		})
	}
}
