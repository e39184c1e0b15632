package routing_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/routing"
)

var fixedZone = time.FixedZone("UTC+2", 2*60*60)

var (
	ids        = []string{"a", "b", "c", "d", "e", "f"}
	teamIDs    = []string{"sales", "support", "vip"}
	skillNames = []string{"swedish", "Swedish", "billing", "BILLING", "tech"}
	strategies = []routing.Strategy{routing.StrategyRoundRobin, routing.StrategyLeastBusy,
		routing.StrategyContactOwner, routing.StrategySkills, ""}
)

func some(r *rand.Rand, from []string) []string {
	var out []string
	for _, s := range from {
		if r.IntN(3) == 0 {
			out = append(out, s)
		}
	}
	return out
}

func randomRequest(r *rand.Rand) routing.Request {
	req := routing.Request{Strategy: strategies[r.IntN(len(strategies))]}
	if r.IntN(2) == 0 {
		req.UserIDs = some(r, ids)
		req.TeamIDs = some(r, teamIDs)
	}
	if r.IntN(2) == 0 {
		req.OwnerID = ids[r.IntN(len(ids))]
	}
	if r.IntN(2) == 0 {
		req.Required = some(r, skillNames)
	}
	return req
}

func randomCandidates(r *rand.Rand) []routing.Candidate {
	var cands []routing.Candidate
	for _, id := range some(r, append(ids, ids...)) { // IDs repeat now and then
		c := routing.Candidate{
			ID:        id,
			Teams:     some(r, teamIDs),
			Skills:    some(r, skillNames),
			Available: r.IntN(4) != 0,
			Open:      r.IntN(5),
			Capacity:  r.IntN(5) - 1,
		}
		if r.IntN(3) != 0 {
			c.LastAssigned = at(r.IntN(10))
			if r.IntN(2) == 0 {
				c.LastAssigned = c.LastAssigned.In(fixedZone)
			}
		}
		cands = append(cands, c)
	}
	return cands
}

// eligible is the specification of routing.Eligible, written out
// separately from the package.
func eligible(req routing.Request, c routing.Candidate) bool {
	listed := len(req.UserIDs) == 0 && len(req.TeamIDs) == 0 || slices.Contains(req.UserIDs, c.ID)
	for _, t := range c.Teams {
		listed = listed || slices.Contains(req.TeamIDs, t)
	}
	owner := req.Strategy == routing.StrategyContactOwner && req.OwnerID != "" && req.OwnerID == c.ID
	if !listed && !owner {
		return false
	}
	for _, need := range req.Required {
		if !slices.ContainsFunc(c.Skills, func(s string) bool { return strings.EqualFold(s, need) }) {
			return false
		}
	}
	return true
}

func choosable(req routing.Request, c routing.Candidate) bool {
	return eligible(req, c) && c.Available && (c.Capacity <= 0 || c.Open < c.Capacity)
}

// TestChooseProperties checks over random requests and candidates that
//
//   - a chosen agent is eligible, available and below capacity, and ranks
//     first under the strategy among all who are;
//   - nobody is chosen only when nobody is, with the right reason;
//   - the result does not depend on the order of the candidates.
func TestChooseProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 4))
	samples := 2000
	if testing.Short() {
		samples = 300
	}
	seen := map[routing.Reason]int{}
	for i := range samples {
		req, cands := randomRequest(r), randomCandidates(r)
		name := fmt.Sprintf("sample %d: %+v %+v", i, req, cands)
		id, ok, reason := routing.Choose(req, cands)
		seen[reason]++

		var can []routing.Candidate
		anyEligible, anyAvailable := false, false
		for _, c := range cands {
			require.Equal(t, eligible(req, c), routing.Eligible(req, c), name)
			anyEligible = anyEligible || eligible(req, c)
			anyAvailable = anyAvailable || eligible(req, c) && c.Available
			if choosable(req, c) {
				can = append(can, c)
			}
		}
		if !ok {
			require.Empty(t, can, name)
			require.Empty(t, id, name)
			switch {
			case !anyEligible:
				require.Equal(t, routing.ReasonNoneEligible, reason, name)
			case !anyAvailable:
				require.Equal(t, routing.ReasonNoneAvailable, reason, name)
			default:
				require.Equal(t, routing.ReasonAtCapacity, reason, name)
			}
			continue
		}
		require.Empty(t, reason, name)
		require.NotEmpty(t, can, name)
		slices.SortStableFunc(can, func(a, b routing.Candidate) int {
			switch {
			case ranksBefore(req, a, b):
				return -1
			case ranksBefore(req, b, a):
				return 1
			}
			return 0
		})
		require.Equal(t, can[0].ID, id, "%s: chose %q, not the first who can take it", name, id)

		shuffled := slices.Clone(cands)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		id2, ok2, reason2 := routing.Choose(req, shuffled)
		require.Equal(t, ok, ok2, name)
		require.Equal(t, reason, reason2, name)
		if !duplicateIDs(cands) {
			require.Equal(t, id, id2, "%s: order of candidates changed the result", name)
		}
	}
	for _, reason := range []routing.Reason{"", routing.ReasonNoneEligible, routing.ReasonNoneAvailable, routing.ReasonAtCapacity} {
		require.Greater(t, seen[reason], samples/50, "the samples cover reason %q: %v", reason, seen)
	}
}

// ranksBefore is the strategies' order, written out separately.
func ranksBefore(req routing.Request, a, b routing.Candidate) bool {
	key := func(c routing.Candidate) []int64 {
		var k []int64
		if req.Strategy == routing.StrategyContactOwner {
			k = append(k, map[bool]int64{true: 0, false: 1}[c.ID == req.OwnerID])
		}
		if req.Strategy == routing.StrategyLeastBusy {
			k = append(k, int64(c.Open))
		}
		last := int64(-1 << 62)
		if !c.LastAssigned.IsZero() {
			last = c.LastAssigned.UnixNano()
		}
		return append(k, last)
	}
	if c := slices.Compare(key(a), key(b)); c != 0 {
		return c < 0
	}
	return a.ID < b.ID
}

func duplicateIDs(cands []routing.Candidate) bool {
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c.ID] {
			return true
		}
		seen[c.ID] = true
	}
	return false
}

// TestSimulation routes 200 conversations one after another to 5 agents
// of capacity 10, recording each assignment as the Storage would.
func TestSimulation(t *testing.T) {
	for _, s := range strategies {
		t.Run("Strategy_"+string(s), func(t *testing.T) {
			cands := make([]routing.Candidate, 5)
			for i := range cands {
				cands[i] = routing.Candidate{ID: fmt.Sprintf("agent%d", i), Available: true, Capacity: 10}
			}
			req := routing.Request{Strategy: s, OwnerID: "agent3"}
			var queue []routing.WaitingRequest
			assigned := 0
			for n := range 200 {
				id, ok, reason := routing.Choose(req, cands)
				if !ok {
					require.Equal(t, routing.ReasonAtCapacity, reason)
					queue = append(queue, routing.WaitingRequest{
						Waiting: routing.Waiting{ConversationID: fmt.Sprintf("conv%03d", n), Since: at(n)},
						Request: req,
					})
					continue
				}
				assigned++
				i := slices.IndexFunc(cands, func(c routing.Candidate) bool { return c.ID == id })
				cands[i].Open++
				cands[i].LastAssigned = at(n)
				for _, c := range cands {
					require.LessOrEqual(t, c.Open, c.Capacity)
				}
			}
			require.Equal(t, 50, assigned)
			require.Len(t, queue, 150)
			for _, c := range cands {
				require.Equal(t, 10, c.Open)
			}

			// One conversation closes: the agent takes the oldest waiting
			// one, which was 51st in line.
			cands[2].Open--
			next, ok := routing.NextForAgent(queue, cands[2])
			require.True(t, ok)
			require.Equal(t, "conv050", next)
			pos, ok := routing.Position(waitings(queue), "conv199")
			require.True(t, ok)
			require.Equal(t, 150, pos)
		})
	}
}

func waitings(q []routing.WaitingRequest) []routing.Waiting {
	out := make([]routing.Waiting, len(q))
	for i, w := range q {
		out[i] = w.Waiting
	}
	return out
}

// TestRoundRobinTakesTurns checks that assigning in turn spreads the
// conversations evenly.
func TestRoundRobinTakesTurns(t *testing.T) {
	cands := []routing.Candidate{{ID: "c", Available: true}, {ID: "a", Available: true}, {ID: "b", Available: true}}
	var got []string
	for n := range 6 {
		id, ok, _ := routing.Choose(routing.Request{}, cands)
		require.True(t, ok)
		got = append(got, id)
		i := slices.IndexFunc(cands, func(c routing.Candidate) bool { return c.ID == id })
		cands[i].LastAssigned = at(n)
	}
	require.Equal(t, []string{"a", "b", "c", "a", "b", "c"}, got)
}
