package storagetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) conversations(t *testing.T) {
	t.Run("CreateThenGetReturnsEveryField", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := &livechat.Conversation{
			ID:         "conv-1",
			VisitorID:  "visitor-1",
			ChatflowID: "flow-1",
			Status:     livechat.StatusClosed,
			AssigneeID: "agent-1",
			PageURL:    "https://example.com/a?b=c#d",
			CreatedAt:  at(0),
			UpdatedAt:  at(7),
			ClosedAt:   at(8),
		}
		require.NoError(t, st.CreateConversation(ctx, c))
		got, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		requireConversation(t, c, got)
	})
	t.Run("CreateStoresLastSeqZero", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newConversation("conv-1", "visitor-1", 1)
		c.LastSeq = 42
		require.NoError(t, st.CreateConversation(ctx, c))
		got, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		require.Zero(t, got.LastSeq)
		m, _, err := st.AppendMessage(ctx, newMessage(c.ID, "", "first"))
		require.NoError(t, err)
		require.EqualValues(t, 1, m.Seq, "the first message's Seq")
	})
	t.Run("CreateWithTakenIDIsConflict", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newConversation("conv-1", "visitor-1", 1)
		require.NoError(t, st.CreateConversation(ctx, c))
		mustAppend(t, st, c.ID, 2)
		other := newConversation("conv-1", "visitor-2", 5)
		require.ErrorIs(t, st.CreateConversation(ctx, other), livechat.ErrConflict)
		got, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		// Only what neither call may change: whether AppendMessage moves
		// UpdatedAt is left to the store.
		require.Equal(t, c.VisitorID, got.VisitorID)
		require.Equal(t, c.PageURL, got.PageURL)
		require.True(t, normTime(c.CreatedAt).Equal(normTime(got.CreatedAt)), "CreatedAt")
		require.EqualValues(t, 2, got.LastSeq)
		require.Len(t, allMessages(t, st, c.ID), 2, "a failed create must keep the messages")
	})
	t.Run("GetMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.Conversation(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("UpdateChangesOnlyMutableFields", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newConversation("conv-1", "visitor-1", 1)
		require.NoError(t, st.CreateConversation(ctx, c))
		update := &livechat.Conversation{
			ID:         "conv-1",
			VisitorID:  "visitor-other",
			ChatflowID: "flow-other",
			Status:     livechat.StatusClosed,
			AssigneeID: "agent-7",
			LastSeq:    99,
			PageURL:    "https://example.com/other",
			Properties: map[string]string{"priority": "high"},
			CreatedAt:  at(50),
			UpdatedAt:  at(60),
			ClosedAt:   at(61),
		}
		require.NoError(t, st.UpdateConversation(ctx, update))
		got, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		want := *c
		want.ChatflowID = update.ChatflowID
		want.Status = update.Status
		want.AssigneeID = update.AssigneeID
		want.Properties = update.Properties
		want.UpdatedAt = update.UpdatedAt
		want.ClosedAt = update.ClosedAt
		requireConversation(t, &want, got)

		// Reopening clears the assignee and the close time.
		reopen := *got
		reopen.Status = livechat.StatusOpen
		reopen.AssigneeID = ""
		reopen.ChatflowID = ""
		reopen.ClosedAt = time.Time{}
		require.NoError(t, st.UpdateConversation(ctx, &reopen))
		got, err = st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		requireConversation(t, &reopen, got)
	})
	t.Run("UpdateKeepsLastSeq", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		mustAppend(t, st, c.ID, 3)
		for _, lastSeq := range []int64{0, 1, 99} {
			u := *c
			u.LastSeq = lastSeq
			u.Status = livechat.StatusClosed
			require.NoError(t, st.UpdateConversation(ctx, &u))
			got, err := st.Conversation(ctx, c.ID)
			require.NoError(t, err)
			require.EqualValues(t, 3, got.LastSeq, "LastSeq after an update with LastSeq %d", lastSeq)
		}
		m, _, err := st.AppendMessage(ctx, newMessage(c.ID, "", "after update"))
		require.NoError(t, err)
		require.EqualValues(t, 4, m.Seq, "Seq of the message after the updates")
	})
	t.Run("UpdateMissingIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		require.ErrorIs(t, st.UpdateConversation(ctx, newConversation("missing", "v", 1)), livechat.ErrNotFound)
		_, err := st.Conversation(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound, "a failed update must not create")
	})
	t.Run("ListIsNewestUpdateFirst", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		for i, id := range []string{"conv-b", "conv-c", "conv-a", "conv-d"} {
			c := newConversation(id, "visitor-1", []int{20, 5, 10, 15}[i])
			require.NoError(t, st.CreateConversation(ctx, c))
		}
		list, err := st.Conversations(ctx, livechat.ConversationFilter{})
		require.NoError(t, err)
		require.Equal(t, []string{"conv-b", "conv-d", "conv-a", "conv-c"}, ids(list, conversationID))

		c, err := st.Conversation(ctx, "conv-c")
		require.NoError(t, err)
		c.UpdatedAt = at(30)
		require.NoError(t, st.UpdateConversation(ctx, c))
		list, err = st.Conversations(ctx, livechat.ConversationFilter{})
		require.NoError(t, err)
		require.Equal(t, []string{"conv-c", "conv-b", "conv-d", "conv-a"}, ids(list, conversationID),
			"order after conv-c was updated")
		requireConversation(t, c, list[0])
	})
	t.Run("ZeroFilterLimitMeansHundred", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		const n = 101
		for i := range n {
			c := newConversation(fmt.Sprintf("conv-%03d", i), "visitor-1", i)
			require.NoError(t, st.CreateConversation(ctx, c))
		}
		list, err := st.Conversations(ctx, livechat.ConversationFilter{})
		require.NoError(t, err)
		require.Len(t, list, 100)
		require.Equal(t, "conv-100", list[0].ID, "newest first")
		require.Equal(t, "conv-001", list[99].ID, "the oldest is cut")
		list, err = st.Conversations(ctx, livechat.ConversationFilter{Limit: n})
		require.NoError(t, err)
		require.Len(t, list, n)
	})
	t.Run("ListCarriesLastSeq", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		mustAppend(t, st, c.ID, 2)
		list, err := st.Conversations(ctx, livechat.ConversationFilter{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.EqualValues(t, 2, list[0].LastSeq)
	})
	t.Run("EmptyStoreListsNone", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		list, err := st.Conversations(ctx, livechat.ConversationFilter{})
		require.NoError(t, err)
		require.Empty(t, list)
	})
	t.Run("ValuesAreCopies", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newConversation("conv-1", "visitor-1", 1)
		want := *c
		require.NoError(t, st.CreateConversation(ctx, c))
		c.Status = livechat.StatusClosed
		got, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		got.AssigneeID = "changed after get"
		list, err := st.Conversations(ctx, livechat.ConversationFilter{})
		require.NoError(t, err)
		list[0].AssigneeID = "changed after list"
		got, err = st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		requireConversation(t, &want, got)
	})
}

func (s *suite) conversationFilter(t *testing.T) {
	st, ctx := s.open(t), testContext(t)
	fixtures := []struct {
		id, visitor string
		status      livechat.ConversationStatus
		assignee    string
		updated     int
		chatflow    string
	}{
		{"c1", "v1", livechat.StatusOpen, "a1", 1, "f1"},
		{"c2", "v1", livechat.StatusClosed, "", 2, ""},
		{"c3", "v2", livechat.StatusOpen, "", 3, "f1"},
		{"c4", "v2", livechat.StatusOpen, "a2", 4, "f2"},
		{"c5", "v3", livechat.StatusClosed, "a1", 5, "f1"},
	}
	for _, f := range fixtures {
		c := newConversation(f.id, f.visitor, f.updated)
		c.Status, c.AssigneeID, c.ChatflowID = f.status, f.assignee, f.chatflow
		require.NoError(t, st.CreateConversation(ctx, c))
	}
	after := func(id string, updated int) *livechat.ConversationCursor {
		return &livechat.ConversationCursor{At: at(updated), ID: id}
	}
	tests := []struct {
		name   string
		filter livechat.ConversationFilter
		want   []string
	}{
		{"ZeroFilterMatchesAll", livechat.ConversationFilter{}, []string{"c5", "c4", "c3", "c2", "c1"}},
		{"VisitorID", livechat.ConversationFilter{VisitorID: "v1"}, []string{"c2", "c1"}},
		{"UnknownVisitorIDMatchesNone", livechat.ConversationFilter{VisitorID: "v9"}, nil},
		{"StatusOpen", livechat.ConversationFilter{Status: livechat.StatusOpen}, []string{"c4", "c3", "c1"}},
		{"StatusClosed", livechat.ConversationFilter{Status: livechat.StatusClosed}, []string{"c5", "c2"}},
		{"AssigneeID", livechat.ConversationFilter{AssigneeID: "a1"}, []string{"c5", "c1"}},
		{"Unassigned", livechat.ConversationFilter{Unassigned: true}, []string{"c3", "c2"}},
		{"UnassignedOverridesAssigneeID", livechat.ConversationFilter{Unassigned: true, AssigneeID: "a1"}, []string{"c3", "c2"}},
		{"VisitorIDAndStatus", livechat.ConversationFilter{VisitorID: "v2", Status: livechat.StatusOpen}, []string{"c4", "c3"}},
		{"StatusAndAssigneeID", livechat.ConversationFilter{Status: livechat.StatusOpen, AssigneeID: "a1"}, []string{"c1"}},
		{"StatusAndUnassigned", livechat.ConversationFilter{Status: livechat.StatusOpen, Unassigned: true}, []string{"c3"}},
		{"AllFields", livechat.ConversationFilter{VisitorID: "v1", Status: livechat.StatusClosed, Unassigned: true, Limit: 5}, []string{"c2"}},
		{"LimitKeepsNewest", livechat.ConversationFilter{Limit: 2}, []string{"c5", "c4"}},
		{"LimitAfterFilter", livechat.ConversationFilter{Status: livechat.StatusOpen, Limit: 2}, []string{"c4", "c3"}},
		{"LimitAboveMatches", livechat.ConversationFilter{VisitorID: "v1", Limit: 10}, []string{"c2", "c1"}},
		{"AssigneeIDs", livechat.ConversationFilter{AssigneeIDs: []string{"a2", "a1"}}, []string{"c5", "c4", "c1"}},
		{"AssigneeIDsAndStatus", livechat.ConversationFilter{AssigneeIDs: []string{"a1", "a9"}, Status: livechat.StatusOpen}, []string{"c1"}},
		{"AssigneeIDsAndAssigneeID", livechat.ConversationFilter{AssigneeIDs: []string{"a1", "a2"}, AssigneeID: "a2"}, []string{"c4"}},
		{"UnassignedOverridesAssigneeIDs", livechat.ConversationFilter{Unassigned: true, AssigneeIDs: []string{"a1"}}, []string{"c3", "c2"}},
		{"ChatflowID", livechat.ConversationFilter{ChatflowID: "f1"}, []string{"c5", "c3", "c1"}},
		{"UnknownChatflowIDMatchesNone", livechat.ConversationFilter{ChatflowID: "f9"}, nil},
		{"ChatflowIDAndStatus", livechat.ConversationFilter{ChatflowID: "f1", Status: livechat.StatusOpen}, []string{"c3", "c1"}},
		{"ChatflowIDAndAssigneeID", livechat.ConversationFilter{ChatflowID: "f1", AssigneeID: "a1"}, []string{"c5", "c1"}},
		{"ChatflowIDStatusAndUnassigned", livechat.ConversationFilter{ChatflowID: "f1", Status: livechat.StatusOpen, Unassigned: true}, []string{"c3"}},
		{"After", livechat.ConversationFilter{After: after("c4", 4)}, []string{"c3", "c2", "c1"}},
		{"AfterAndLimit", livechat.ConversationFilter{After: after("c4", 4), Limit: 2}, []string{"c3", "c2"}},
		{"AfterTheLastMatchesNone", livechat.ConversationFilter{After: after("c1", 1)}, nil},
		{"AfterAndFilters", livechat.ConversationFilter{After: after("c5", 5), ChatflowID: "f1", Status: livechat.StatusOpen}, []string{"c3", "c1"}},
		{"AfterAPositionNotInTheFilter", livechat.ConversationFilter{After: after("c4", 4), AssigneeID: "a1"}, []string{"c1"}},
		{"AfterOldestFirst", livechat.ConversationFilter{OldestFirst: true, After: &livechat.ConversationCursor{At: at(0), ID: "c2"}}, []string{"c3", "c4", "c5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := st.Conversations(ctx, tt.filter)
			require.NoError(t, err)
			if len(tt.want) == 0 {
				require.Empty(t, list)
				return
			}
			require.Equal(t, tt.want, ids(list, conversationID))
		})
	}
}

// conversationPaging checks that following ConversationFilter.CursorAfter
// from page to page lists every conversation exactly once, in order, with
// ties on the sort time and zero times, and while conversations are added.
func (s *suite) conversationPaging(t *testing.T) {
	type fixture struct {
		id               string
		created, updated int // minutes; -1 is the zero time
	}
	var fixtures []fixture
	for i := range 23 {
		// Groups of three share a time, so pages split ties.
		fixtures = append(fixtures, fixture{fmt.Sprintf("conv-%02d", i), i / 3, 100 - i/3})
	}
	fixtures = append(fixtures, fixture{"conv-zero-a", -1, -1}, fixture{"conv-zero-b", -1, -1})
	minute := func(m int) time.Time {
		if m < 0 {
			return time.Time{}
		}
		return at(m)
	}
	create := func(t *testing.T, st livechat.Storage, f fixture, chatflow string) {
		t.Helper()
		c := newConversation(f.id, "visitor-1", 0)
		c.CreatedAt, c.UpdatedAt, c.ChatflowID = minute(f.created), minute(f.updated), chatflow
		require.NoError(t, st.CreateConversation(testContext(t), c))
	}
	walk := func(t *testing.T, st livechat.Storage, f livechat.ConversationFilter, between func(page int)) []string {
		t.Helper()
		var out []string
		for page := 0; ; page++ {
			require.Less(t, page, 100, "paging does not end")
			list, err := st.Conversations(testContext(t), f)
			require.NoError(t, err)
			require.LessOrEqual(t, len(list), f.Limit)
			out = append(out, ids(list, conversationID)...)
			if len(list) < f.Limit {
				return out
			}
			f.After = f.CursorAfter(list[len(list)-1])
			if between != nil {
				between(page)
			}
		}
	}
	for _, oldestFirst := range []bool{false, true} {
		name := "NewestUpdateFirst"
		if oldestFirst {
			name = "OldestCreatedFirst"
		}
		t.Run(name, func(t *testing.T) {
			st := s.open(t)
			for _, f := range fixtures {
				create(t, st, f, "flow-1")
			}
			all, err := st.Conversations(testContext(t), livechat.ConversationFilter{OldestFirst: oldestFirst, Limit: 1000})
			require.NoError(t, err)
			require.Len(t, all, len(fixtures))
			for _, limit := range []int{1, 2, 3, 4, 7, 25, 26} {
				got := walk(t, st, livechat.ConversationFilter{OldestFirst: oldestFirst, Limit: limit}, nil)
				require.Equal(t, ids(all, conversationID), got, "pages of %d", limit)
			}
		})
	}
	t.Run("AddedWhilePagingAreNotRepeatedNorShifting", func(t *testing.T) {
		st := s.open(t)
		var want []string
		for _, f := range fixtures {
			create(t, st, f, "flow-1")
		}
		all, err := st.Conversations(testContext(t), livechat.ConversationFilter{Limit: 1000})
		require.NoError(t, err)
		want = ids(all, conversationID)
		got := walk(t, st, livechat.ConversationFilter{Limit: 4}, func(page int) {
			// Newer conversations arrive at the top of the list, before the
			// cursor: the pages still to come do not shift.
			create(t, st, fixture{fmt.Sprintf("conv-new-%d", page), 200 + page, 200 + page}, "flow-1")
		})
		require.Equal(t, want, got)
	})
	t.Run("FiltersApplyOnEveryPage", func(t *testing.T) {
		st := s.open(t)
		var want []string
		for i, f := range fixtures {
			chatflow := "flow-1"
			if i%2 == 1 {
				chatflow = "flow-2"
			}
			create(t, st, f, chatflow)
		}
		all, err := st.Conversations(testContext(t), livechat.ConversationFilter{Limit: 1000, ChatflowID: "flow-2"})
		require.NoError(t, err)
		want = ids(all, conversationID)
		require.Len(t, want, len(fixtures)/2)
		got := walk(t, st, livechat.ConversationFilter{Limit: 3, ChatflowID: "flow-2"}, nil)
		require.Equal(t, want, got)
	})
}
