package routing_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/routing"
)

func waiting(id string, minute int) routing.Waiting {
	return routing.Waiting{ConversationID: id, Since: at(minute)}
}

func TestPosition(t *testing.T) {
	queue := []routing.Waiting{waiting("c3", 3), waiting("c1", 1), waiting("b2", 2), waiting("a2", 2), waiting("c4", 4)}
	tests := []struct {
		name string
		id   string
		want int
	}{
		{"FirstOldest", "c1", 1},
		{"TieByIDFirst", "a2", 2},
		{"TieByIDSecond", "b2", 3},
		{"Later", "c3", 4},
		{"Last", "c4", 5},
		{"NotWaiting", "zz", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pos, ok := routing.Position(queue, tt.id)
			require.Equal(t, tt.want, pos)
			require.Equal(t, tt.want > 0, ok)
		})
	}
	t.Run("EmptyQueue", func(t *testing.T) {
		pos, ok := routing.Position(nil, "c1")
		require.False(t, ok)
		require.Zero(t, pos)
	})
	t.Run("DuplicateEarliestCounts", func(t *testing.T) {
		pos, ok := routing.Position([]routing.Waiting{waiting("x", 9), waiting("y", 5), waiting("x", 1)}, "x")
		require.True(t, ok)
		require.Equal(t, 1, pos)
	})
	t.Run("SameInstantOtherZone", func(t *testing.T) {
		stockholm := waiting("b", 0)
		stockholm.Since = stockholm.Since.In(fixedZone)
		pos, ok := routing.Position([]routing.Waiting{stockholm, waiting("a", 0)}, "b")
		require.True(t, ok)
		require.Equal(t, 2, pos, "the same instant in another zone ties and falls back to the id")
	})
}

func TestNextForAgent(t *testing.T) {
	sales := routing.Request{TeamIDs: []string{"sales"}}
	vip := routing.Request{Required: []string{"VIP"}}
	anyone := routing.Request{}
	owned := routing.Request{Strategy: routing.StrategyContactOwner, UserIDs: []string{"x"}, OwnerID: "o"}
	queue := []routing.WaitingRequest{
		{Waiting: waiting("vip", 1), Request: vip},
		{Waiting: waiting("sales-b", 2), Request: sales},
		{Waiting: waiting("sales-a", 2), Request: sales},
		{Waiting: waiting("anyone", 3), Request: anyone},
		{Waiting: waiting("owned", 0), Request: owned},
	}
	tests := []struct {
		name  string
		queue []routing.WaitingRequest
		agent routing.Candidate
		want  string
	}{
		{"OldestEligible", queue, agent("a", skills("vip")), "vip"},
		{"SkipsMissingSkills", queue, agent("a", teams("sales")), "sales-a"},
		{"TieByID", queue[1:3], agent("a", teams("sales")), "sales-a"},
		{"NotListedGetsUnrestricted", queue, agent("a"), "anyone"},
		{"OwnerOutsideLists", queue, agent("o"), "owned"},
		{"ListedForOwned", queue, agent("x"), "owned"},
		{"BelowCapacity", queue, agent("a", load(4, 5)), "anyone"},
		{"UnlimitedCapacity", queue, agent("a", load(40, 0)), "anyone"},
		{"NoneAtCapacity", queue, agent("a", load(5, 5)), ""},
		{"NoneWhenAway", queue, agent("a", away), ""},
		{"NoneEligible", queue[:3], agent("a"), ""},
		{"NoneEmptyQueue", nil, agent("a"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := routing.NextForAgent(tt.queue, tt.agent)
			require.Equal(t, tt.want, id)
			require.Equal(t, tt.want != "", ok)
		})
	}
}
