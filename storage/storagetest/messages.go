package storagetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) messages(t *testing.T) {
	t.Run("AppendThenListReturnsEveryField", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		in := &livechat.Message{
			ID:             "msg-given-id",
			ClientMsgID:    "client-1",
			ConversationID: c.ID,
			Sender:         livechat.SenderAgent,
			AuthorID:       "agent-1",
			AuthorName:     "Ana",
			Text:           "Hello 👋\n<b>not html</b> \"quoted\" 'single' \\ ünïcødé",
			CreatedAt:      at(12),
		}
		got, created, err := st.AppendMessage(ctx, in)
		require.NoError(t, err)
		require.True(t, created)
		want := *in
		want.Seq = 1
		requireMessage(t, &want, got)
		requireMessages(t, []*livechat.Message{&want}, allMessages(t, st, c.ID))
	})
	t.Run("SystemMessageKeepsItsCode", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		in := &livechat.Message{
			ID:             "msg-system",
			ClientMsgID:    "close-1",
			ConversationID: c.ID,
			Sender:         livechat.SenderSystem,
			AuthorName:     "Ana",
			Text:           "Ana ended the conversation.",
			Code:           livechat.CodeConversationEnded,
			CreatedAt:      at(12),
		}
		got, _, err := st.AppendMessage(ctx, in)
		require.NoError(t, err)
		want := *in
		want.Seq = 1
		requireMessage(t, &want, got)
		requireMessages(t, []*livechat.Message{&want}, allMessages(t, st, c.ID))
	})
	t.Run("AppendAssignsSeqFromOneAndLastSeq", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		got, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		require.Zero(t, got.LastSeq, "LastSeq of an empty conversation")
		for i := 1; i <= 3; i++ {
			in := newMessage(c.ID, "", fmt.Sprintf("message %d", i))
			in.Seq = 100 // ignored: the store assigns Seq
			m, created, err := st.AppendMessage(ctx, in)
			require.NoError(t, err)
			require.True(t, created)
			require.EqualValues(t, i, m.Seq)
			got, err := st.Conversation(ctx, c.ID)
			require.NoError(t, err)
			require.EqualValues(t, i, got.LastSeq)
		}
	})
	t.Run("AppendAssignsIDAndCreatedAtWhenEmpty", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		seen := make(map[string]bool)
		for i := range 5 {
			in := newMessage(c.ID, "", fmt.Sprintf("message %d", i))
			in.CreatedAt = time.Time{}
			m, _, err := st.AppendMessage(ctx, in)
			require.NoError(t, err)
			require.NotEmpty(t, m.ID, "assigned ID")
			require.False(t, seen[m.ID], "assigned ID %q is repeated", m.ID)
			seen[m.ID] = true
			require.False(t, m.CreatedAt.IsZero(), "assigned CreatedAt")
		}
		stored := allMessages(t, st, c.ID)
		require.Len(t, stored, 5)
		for _, m := range stored {
			require.True(t, seen[m.ID], "listed ID %q is not one AppendMessage returned", m.ID)
			require.False(t, m.CreatedAt.IsZero(), "listed CreatedAt")
		}
	})
	t.Run("ConversationsKeepSeparateSeqs", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		a := mustCreateConversation(t, st, "conv-a")
		b := mustCreateConversation(t, st, "conv-b")
		mustAppend(t, st, a.ID, 3)
		mustAppend(t, st, b.ID, 2)
		m, _, err := st.AppendMessage(ctx, newMessage(a.ID, "", "fourth in a"))
		require.NoError(t, err)
		require.EqualValues(t, 4, m.Seq)
		require.Equal(t, denseSeqs(4), seqs(allMessages(t, st, a.ID)))
		require.Equal(t, denseSeqs(2), seqs(allMessages(t, st, b.ID)))
		for _, m := range allMessages(t, st, b.ID) {
			require.Equal(t, b.ID, m.ConversationID)
		}
	})
	t.Run("AppendMovesUpdatedAtForwardOnly", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := newConversation("conv-1", "visitor-1", 5) // updated at minute 5
		require.NoError(t, st.CreateConversation(ctx, c))
		m := newMessage(c.ID, "later", "later") // created at minute 10
		_, _, err := st.AppendMessage(ctx, m)
		require.NoError(t, err)
		got, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		require.True(t, normTime(at(10)).Equal(normTime(got.UpdatedAt)), "UpdatedAt moves to the message's CreatedAt, got %v", got.UpdatedAt)
		old := newMessage(c.ID, "older", "older")
		old.CreatedAt = at(1)
		_, _, err = st.AppendMessage(ctx, old)
		require.NoError(t, err)
		got, err = st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		require.True(t, normTime(at(10)).Equal(normTime(got.UpdatedAt)), "UpdatedAt never moves back, got %v", got.UpdatedAt)
		none, err := st.Messages(ctx, c.ID, 0, 0)
		require.NoError(t, err)
		require.Empty(t, none, "a limit below 1 returns none")
	})
	t.Run("AppendToMissingConversationIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, _, err := st.AppendMessage(ctx, newMessage("missing", "", "hello"))
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, _, err = st.AppendMessage(ctx, newMessage("missing", "client-1", "hello"))
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("MessagesOfMissingConversationIsNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		_, err := st.Messages(ctx, "missing", 0, 10)
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("EmptyConversationListsNone", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		ms, err := st.Messages(ctx, c.ID, 0, 10)
		require.NoError(t, err)
		require.Empty(t, ms)
	})
	t.Run("ListIsInSeqOrder", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		// CreatedAt goes backwards and IDs are not sorted, so that only Seq
		// can give the order.
		var want []*livechat.Message
		for i, id := range []string{"m-z", "m-a", "m-q", "m-b"} {
			in := newMessage(c.ID, "", id)
			in.ID = id
			in.CreatedAt = at(100 - i)
			m, _, err := st.AppendMessage(ctx, in)
			require.NoError(t, err)
			want = append(want, m)
		}
		requireMessages(t, want, allMessages(t, st, c.ID))
	})
	t.Run("PagesWalkEveryMessageOnce", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		want := mustAppend(t, st, c.ID, 23)
		for _, limit := range []int{1, 5, 23, 50} {
			var got []*livechat.Message
			after := int64(0)
			for pages := 0; ; pages++ {
				require.Less(t, pages, 30, "limit %d: too many pages", limit)
				page, err := st.Messages(ctx, c.ID, after, limit)
				require.NoError(t, err)
				require.LessOrEqual(t, len(page), limit, "page size")
				if len(page) == 0 {
					break
				}
				got = append(got, page...)
				after = page[len(page)-1].Seq
			}
			requireMessages(t, want, got)
		}
	})
	t.Run("AfterSeqAndLimitSelectAWindow", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		all := mustAppend(t, st, c.ID, 10)
		tests := []struct {
			name     string
			afterSeq int64
			limit    int
			want     []int64
		}{
			{"FromStart", 0, 3, []int64{1, 2, 3}},
			{"Middle", 4, 3, []int64{5, 6, 7}},
			{"LimitPastEnd", 8, 5, []int64{9, 10}},
			{"AfterLast", 10, 5, nil},
			{"AfterBeyondLast", 1000, 5, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := st.Messages(ctx, c.ID, tt.afterSeq, tt.limit)
				require.NoError(t, err)
				require.Equal(t, tt.want, nilIfEmpty(seqs(page)))
				for _, m := range page {
					requireMessage(t, all[m.Seq-1], m)
				}
			})
		}
	})
	t.Run("ConcurrentAppendsGetDenseSeqs", s.concurrentAppends)
	t.Run("ValuesAreCopies", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		in := newMessage(c.ID, "client-1", "original")
		m, _, err := st.AppendMessage(ctx, in)
		require.NoError(t, err)
		want := *m
		in.Text = "changed after append"
		m.Text = "changed returned"
		m.Seq = 7
		ms := allMessages(t, st, c.ID)
		ms[0].Text = "changed after list"
		repeat, created, err := st.AppendMessage(ctx, newMessage(c.ID, "client-1", "repeat"))
		require.NoError(t, err)
		require.False(t, created)
		repeat.Text = "changed repeat"
		requireMessages(t, []*livechat.Message{&want}, allMessages(t, st, c.ID))
	})
}

func (s *suite) idempotency(t *testing.T) {
	t.Run("RepeatReturnsOriginalAndStoresNothing", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		first, created, err := st.AppendMessage(ctx, newMessage(c.ID, "client-1", "first"))
		require.NoError(t, err)
		require.True(t, created)
		mustAppend(t, st, c.ID, 1)

		again := newMessage(c.ID, "client-1", "different text")
		again.CreatedAt = at(99)
		got, created, err := st.AppendMessage(ctx, again)
		require.NoError(t, err)
		require.False(t, created, "created on repeat")
		requireMessage(t, first, got)

		require.Equal(t, denseSeqs(2), seqs(allMessages(t, st, c.ID)))
		conv, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		require.EqualValues(t, 2, conv.LastSeq, "a repeat must not take a Seq")
		next, _, err := st.AppendMessage(ctx, newMessage(c.ID, "client-2", "next"))
		require.NoError(t, err)
		require.EqualValues(t, 3, next.Seq, "a repeat must not take a Seq")
	})
	t.Run("ConcurrentRepeatsStoreOne", s.concurrentRepeats)
	t.Run("ConcurrentMixOfRepeatsAndNewGetDenseSeqs", s.concurrentMix)
	t.Run("EmptyClientMsgIDIsNeverDeduplicated", s.concurrentEmptyClientMsgID)
	t.Run("SameClientMsgIDInTwoConversationsStoresTwo", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		a := mustCreateConversation(t, st, "conv-a")
		b := mustCreateConversation(t, st, "conv-b")
		ma, created, err := st.AppendMessage(ctx, newMessage(a.ID, "client-1", "in a"))
		require.NoError(t, err)
		require.True(t, created)
		mb, created, err := st.AppendMessage(ctx, newMessage(b.ID, "client-1", "in b"))
		require.NoError(t, err)
		require.True(t, created, "the same ClientMsgID in another conversation is new")
		require.NotEqual(t, ma.ID, mb.ID)
		require.Equal(t, b.ID, mb.ConversationID)
		require.Equal(t, "in b", mb.Text)
		requireMessages(t, []*livechat.Message{ma}, allMessages(t, st, a.ID))
		requireMessages(t, []*livechat.Message{mb}, allMessages(t, st, b.ID))
	})
	t.Run("SameClientMsgIDFromAnotherSenderStoresAnother", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		// The visitor's id is visible to agents and the agents' to the
		// visitor: reusing it must not swallow anyone's message.
		senders := []*livechat.Message{
			{Sender: livechat.SenderVisitor, AuthorID: "visitor-1", Text: "from the visitor"},
			{Sender: livechat.SenderAgent, AuthorID: "agent-1", AuthorName: "Ana", Text: "from agent 1"},
			{Sender: livechat.SenderAgent, AuthorID: "agent-2", AuthorName: "Bo", Text: "from agent 2"},
			{Sender: livechat.SenderSystem, Text: "from the system"},
		}
		var stored []*livechat.Message
		for i, m := range senders {
			m.ConversationID, m.ClientMsgID, m.CreatedAt = c.ID, "shared-id", at(10+i)
			got, created, err := st.AppendMessage(ctx, m)
			require.NoError(t, err)
			require.True(t, created, "%s %q reusing another sender's ClientMsgID is new", m.Sender, m.AuthorID)
			require.Equal(t, m.Text, got.Text)
			stored = append(stored, got)
		}
		for i, m := range senders {
			again := *m
			again.Text = "repeat"
			got, created, err := st.AppendMessage(ctx, &again)
			require.NoError(t, err)
			require.False(t, created, "a repeat by %s %q", m.Sender, m.AuthorID)
			requireMessage(t, stored[i], got)
		}
		requireMessages(t, stored, allMessages(t, st, c.ID))
	})
	t.Run("MessageByClientIDFindsBySender", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		c := mustCreateConversation(t, st, "conv-1")
		vm, _, err := st.AppendMessage(ctx, newMessage(c.ID, "client-1", "hi"))
		require.NoError(t, err)
		am := &livechat.Message{ConversationID: c.ID, ClientMsgID: "client-1", Sender: livechat.SenderAgent, AuthorID: "agent-1", Text: "hello", CreatedAt: at(11)}
		am, _, err = st.AppendMessage(ctx, am)
		require.NoError(t, err)

		got, err := st.MessageByClientID(ctx, c.ID, livechat.SenderVisitor, vm.AuthorID, "client-1")
		require.NoError(t, err)
		requireMessage(t, vm, got)
		got, err = st.MessageByClientID(ctx, c.ID, livechat.SenderAgent, "agent-1", "client-1")
		require.NoError(t, err)
		requireMessage(t, am, got)

		misses := []struct {
			name           string
			conv           string
			sender         livechat.SenderKind
			author, client string
		}{
			{"OtherAgent", c.ID, livechat.SenderAgent, "agent-2", "client-1"},
			{"OtherSenderKind", c.ID, livechat.SenderSystem, "", "client-1"},
			{"UnknownClientMsgID", c.ID, livechat.SenderVisitor, vm.AuthorID, "client-2"},
			{"EmptyClientMsgID", c.ID, livechat.SenderVisitor, vm.AuthorID, ""},
			{"MissingConversation", "missing", livechat.SenderVisitor, vm.AuthorID, "client-1"},
		}
		for _, tt := range misses {
			_, err := st.MessageByClientID(ctx, tt.conv, tt.sender, tt.author, tt.client)
			require.ErrorIs(t, err, livechat.ErrNotFound, tt.name)
		}
		// Messages without a ClientMsgID are never found by the empty id.
		mustAppend(t, st, c.ID, 1)
		_, err = st.MessageByClientID(ctx, c.ID, livechat.SenderVisitor, vm.AuthorID, "")
		require.ErrorIs(t, err, livechat.ErrNotFound, "empty ClientMsgID after a message without one")
	})
}

func nilIfEmpty(s []int64) []int64 {
	if len(s) == 0 {
		return nil
	}
	return s
}

func (s *suite) concurrentAppends(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	c := mustCreateConversation(t, ss.setup, "conv-1")
	const goroutines, each = 50, 3
	got := make([][]*livechat.Message, goroutines)
	errs := make([]error, goroutines)
	concurrently(t, goroutines, func(i int) {
		for j := range each {
			m, _, err := ss.on(i).AppendMessage(ctx, newMessage(c.ID, "", fmt.Sprintf("g%d-%d", i, j)))
			if err != nil {
				errs[i] = err
				return
			}
			got[i] = append(got[i], m)
		}
	})
	const n = goroutines * each
	bySeq := make(map[int64]string, n)
	for i := range goroutines {
		require.NoError(t, errs[i], "goroutine %d", i)
		prev := int64(0)
		for _, m := range got[i] {
			require.Greater(t, m.Seq, prev, "goroutine %d: Seqs of its own appends must grow", i)
			prev = m.Seq
			require.NotContains(t, bySeq, m.Seq, "Seq %d given twice", m.Seq)
			bySeq[m.Seq] = m.Text
		}
	}
	require.Len(t, bySeq, n)

	stored := allMessages(t, ss.check, c.ID)
	require.Equal(t, denseSeqs(n), seqs(stored))
	for _, m := range stored {
		require.Equal(t, bySeq[m.Seq], m.Text, "Seq %d: stored text differs from the returned one", m.Seq)
	}
	conv, err := ss.check.Conversation(ctx, c.ID)
	require.NoError(t, err)
	require.EqualValues(t, n, conv.LastSeq)
}

func (s *suite) concurrentRepeats(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	c := mustCreateConversation(t, ss.setup, "conv-1")
	const n = 30
	type result struct {
		m       *livechat.Message
		created bool
		err     error
	}
	results := make([]result, n)
	concurrently(t, n, func(i int) {
		m, created, err := ss.on(i).AppendMessage(ctx, newMessage(c.ID, "client-1", fmt.Sprintf("attempt %d", i)))
		results[i] = result{m, created, err}
	})
	createdCount := 0
	var winner *livechat.Message
	for i, r := range results {
		require.NoError(t, r.err, "goroutine %d", i)
		require.NotNil(t, r.m, "goroutine %d", i)
		if r.created {
			createdCount++
			winner = r.m
		}
	}
	require.Equal(t, 1, createdCount, "appends that report created")
	for i, r := range results {
		require.Equal(t, winner.ID, r.m.ID, "goroutine %d: ID", i)
		require.Equal(t, winner.Seq, r.m.Seq, "goroutine %d: Seq", i)
		require.Equal(t, winner.Text, r.m.Text, "goroutine %d: Text", i)
	}
	stored := allMessages(t, ss.check, c.ID)
	requireMessages(t, []*livechat.Message{winner}, stored)
	conv, err := ss.check.Conversation(ctx, c.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1, conv.LastSeq)
}

func (s *suite) concurrentMix(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	c := mustCreateConversation(t, ss.setup, "conv-1")
	const n, keys = 40, 8
	errs := make([]error, n)
	created := make([]bool, n)
	concurrently(t, n, func(i int) {
		_, created[i], errs[i] = ss.on(i).AppendMessage(ctx, newMessage(c.ID, fmt.Sprintf("client-%d", i%keys), "hi"))
	})
	count := 0
	for i := range n {
		require.NoError(t, errs[i], "goroutine %d", i)
		if created[i] {
			count++
		}
	}
	require.Equal(t, keys, count, "appends that report created")
	stored := allMessages(t, ss.check, c.ID)
	require.Equal(t, denseSeqs(keys), seqs(stored))
	clientIDs := make(map[string]bool)
	for _, m := range stored {
		require.False(t, clientIDs[m.ClientMsgID], "ClientMsgID %q stored twice", m.ClientMsgID)
		clientIDs[m.ClientMsgID] = true
	}
}

func (s *suite) concurrentEmptyClientMsgID(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	c := mustCreateConversation(t, ss.setup, "conv-1")
	for i := range 3 {
		m, created, err := ss.setup.AppendMessage(ctx, newMessage(c.ID, "", "same text"))
		require.NoError(t, err)
		require.True(t, created, "append %d", i)
		require.EqualValues(t, i+1, m.Seq)
	}
	const n = 10
	errs := make([]error, n)
	created := make([]bool, n)
	concurrently(t, n, func(i int) {
		_, created[i], errs[i] = ss.on(i).AppendMessage(ctx, newMessage(c.ID, "", "same text"))
	})
	for i := range n {
		require.NoError(t, errs[i])
		require.True(t, created[i], "concurrent append %d", i)
	}
	require.Equal(t, denseSeqs(3+n), seqs(allMessages(t, ss.check, c.ID)))
}
