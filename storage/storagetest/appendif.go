package storagetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// conditional returns st as a livechat.ConditionalAppender, or skips the
// test when st is not one: the interface is optional.
func conditional(t *testing.T, st livechat.Storage) livechat.ConditionalAppender {
	t.Helper()
	ca, ok := st.(livechat.ConditionalAppender)
	if !ok {
		t.Skipf("%T is not a livechat.ConditionalAppender", st)
	}
	return ca
}

// visitorCondition is what the Handler asks of a visitor's message.
func visitorCondition(visitorID string) livechat.AppendCondition {
	return livechat.AppendCondition{VisitorID: visitorID, NotClosed: true, ExceptChatflows: []string{"flow-consent"}}
}

// requireUnchanged checks that nothing was appended to the conversation
// and that it is as stored before.
func requireUnchanged(t *testing.T, st livechat.Storage, before *livechat.Conversation, n int) {
	t.Helper()
	got, err := st.Conversation(testContext(t), before.ID)
	require.NoError(t, err)
	requireConversation(t, before, got)
	require.Len(t, allMessages(t, st, before.ID), n, "messages stored")
}

func (s *suite) appendIf(t *testing.T) {
	t.Run("AppendsWhenTheConditionHolds", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		c := mustCreateConversation(t, st, "conv-1") // visitor-1's, open, updated at minute 1
		for i := 1; i <= 3; i++ {
			in := newMessage(c.ID, fmt.Sprintf("client-%d", i), fmt.Sprintf("message %d", i))
			in.ID = fmt.Sprintf("msg-%d", i)
			in.Seq = 100 // ignored
			in.CreatedAt = at(10 + i)
			arg := *in
			m, conv, created, err := ca.AppendMessageIf(ctx, in, visitorCondition("visitor-1"))
			require.NoError(t, err)
			require.True(t, created)
			require.Equal(t, arg, *in, "the argument is not modified")
			want := arg
			want.Seq = int64(i)
			requireMessage(t, &want, m)
			wantConv := *c
			wantConv.LastSeq = int64(i)
			wantConv.UpdatedAt = at(10 + i)
			requireConversation(t, &wantConv, conv)
			stored, err := st.Conversation(ctx, c.ID)
			require.NoError(t, err)
			requireConversation(t, &wantConv, stored)
		}
		require.Equal(t, denseSeqs(3), seqs(allMessages(t, st, c.ID)))
	})
	t.Run("AssignsIDAndCreatedAtWhenEmpty", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		in := newMessage(c.ID, "client-1", "hello")
		in.CreatedAt = time.Time{}
		m, _, created, err := ca.AppendMessageIf(ctx, in, livechat.AppendCondition{})
		require.NoError(t, err)
		require.True(t, created)
		require.NotEmpty(t, m.ID)
		require.False(t, m.CreatedAt.IsZero())
		requireMessages(t, []*livechat.Message{m}, allMessages(t, st, c.ID))
	})
	t.Run("ZeroConditionAppendsToAnyConversation", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		c := newConversation("conv-1", "visitor-2", 1)
		c.Status = livechat.StatusClosed
		c.ClosedAt = at(2)
		c.ChatflowID = "flow-consent"
		require.NoError(t, st.CreateConversation(ctx, c))
		m, conv, created, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "close-1", "closed"), livechat.AppendCondition{})
		require.NoError(t, err)
		require.True(t, created)
		require.EqualValues(t, 1, m.Seq)
		require.EqualValues(t, 1, conv.LastSeq)
		require.Equal(t, livechat.StatusClosed, conv.Status)
	})
	t.Run("UnknownConversationIsErrNotFound", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		_, _, _, err := ca.AppendMessageIf(ctx, newMessage("conv-missing", "client-1", "hello"), visitorCondition("visitor-1"))
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, _, _, err = ca.AppendMessageIf(ctx, newMessage("conv-missing", "client-1", "hello"), livechat.AppendCondition{})
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("AnotherVisitorsConversationIsRefused", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		_, _, _, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "hello"), visitorCondition("visitor-2"))
		require.ErrorIs(t, err, livechat.ErrConflict)
		requireUnchanged(t, st, c, 0)
	})
	t.Run("ClosedConversationIsRefused", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		c := newConversation("conv-1", "visitor-1", 1)
		c.Status = livechat.StatusClosed
		c.ClosedAt = at(2)
		require.NoError(t, st.CreateConversation(ctx, c))
		_, _, _, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "hello"), visitorCondition("visitor-1"))
		require.ErrorIs(t, err, livechat.ErrConflict)
		requireUnchanged(t, st, c, 0)
		// Without NotClosed the same append is stored.
		_, _, created, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "hello"), livechat.AppendCondition{VisitorID: "visitor-1"})
		require.NoError(t, err)
		require.True(t, created)
	})
	t.Run("ExceptedChatflowIsRefused", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		c := newConversation("conv-1", "visitor-1", 1)
		c.ChatflowID = "flow-consent"
		require.NoError(t, st.CreateConversation(ctx, c))
		_, _, _, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "hello"), visitorCondition("visitor-1"))
		require.ErrorIs(t, err, livechat.ErrConflict)
		requireUnchanged(t, st, c, 0)
		cond := visitorCondition("visitor-1")
		cond.ExceptChatflows = []string{"flow-other", "flow-welcome"}
		_, _, created, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "hello"), cond)
		require.NoError(t, err)
		require.True(t, created, "flow-consent is not among %q", cond.ExceptChatflows)
		// A conversation without a chatflow is never excepted by ids.
		d := newConversation("conv-2", "visitor-1", 1)
		d.ChatflowID = ""
		require.NoError(t, st.CreateConversation(ctx, d))
		_, _, created, err = ca.AppendMessageIf(ctx, newMessage(d.ID, "client-1", "hello"), visitorCondition("visitor-1"))
		require.NoError(t, err)
		require.True(t, created)
	})
	t.Run("RepeatReturnsTheOriginal", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		first, _, created, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "first"), visitorCondition("visitor-1"))
		require.NoError(t, err)
		require.True(t, created)
		mustAppend(t, st, c.ID, 1) // the conversation moves on
		before, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		again, conv, created, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "first, resent"), visitorCondition("visitor-1"))
		require.NoError(t, err)
		require.False(t, created, "a repeat of the client key")
		requireMessage(t, first, again)
		requireConversation(t, before, conv)
		requireUnchanged(t, st, before, 2)
		// Through AppendMessage the key is the same one.
		plain, created, err := st.AppendMessage(ctx, newMessage(c.ID, "client-1", "first, resent again"))
		require.NoError(t, err)
		require.False(t, created)
		requireMessage(t, first, plain)
		// Another sender's same client id is a message of its own.
		agent := newMessage(c.ID, "client-1", "from an agent")
		agent.Sender, agent.AuthorID = livechat.SenderAgent, "agent-1"
		m, _, created, err := ca.AppendMessageIf(ctx, agent, livechat.AppendCondition{})
		require.NoError(t, err)
		require.True(t, created)
		require.EqualValues(t, 3, m.Seq)
	})
	t.Run("RepeatToARefusedConversationIsRefused", func(t *testing.T) {
		st, ctx := s.open(t), testContext(t)
		ca := conditional(t, st)
		c := mustCreateConversation(t, st, "conv-1")
		_, _, _, err := ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "first"), visitorCondition("visitor-1"))
		require.NoError(t, err)
		closed, err := st.Conversation(ctx, c.ID)
		require.NoError(t, err)
		closed.Status, closed.ClosedAt, closed.UpdatedAt = livechat.StatusClosed, at(20), at(20)
		require.NoError(t, st.UpdateConversation(ctx, closed))
		_, _, _, err = ca.AppendMessageIf(ctx, newMessage(c.ID, "client-1", "first, resent"), visitorCondition("visitor-1"))
		require.ErrorIs(t, err, livechat.ErrConflict, "the caller decides about resends to a conversation it may not write to")
		requireUnchanged(t, st, closed, 1)
	})
	t.Run("ConcurrentAppendsGetDenseSeqs", s.concurrentAppendIf)
}

// concurrentAppendIf mixes conditional appends, refused ones and plain
// ones to one conversation: the stored ones get dense sequence numbers
// and the refused ones store nothing.
func (s *suite) concurrentAppendIf(t *testing.T) {
	ss, ctx := s.openShared(t), concurrentContext(t)
	conditional(t, ss.setup)
	c := mustCreateConversation(t, ss.setup, "conv-1")
	const goroutines, each = 30, 3
	type result struct {
		m       *livechat.Message
		conv    *livechat.Conversation
		created bool
		err     error
	}
	results := make([][]result, goroutines)
	concurrently(t, goroutines, func(i int) {
		st := ss.on(i)
		for j := range each {
			in := newMessage(c.ID, fmt.Sprintf("g%d-%d", i, j), fmt.Sprintf("g%d-%d", i, j))
			var r result
			switch i % 3 {
			case 0:
				r.m, r.conv, r.created, r.err = st.(livechat.ConditionalAppender).AppendMessageIf(ctx, in, visitorCondition("visitor-1"))
			case 1:
				r.m, r.conv, r.created, r.err = st.(livechat.ConditionalAppender).AppendMessageIf(ctx, in, visitorCondition("visitor-2"))
			default:
				r.m, r.created, r.err = st.AppendMessage(ctx, in)
			}
			results[i] = append(results[i], r)
		}
	})
	bySeq := make(map[int64]string)
	for i, rs := range results {
		for j, r := range rs {
			if i%3 == 1 {
				require.ErrorIs(t, r.err, livechat.ErrConflict, "goroutine %d, append %d: another visitor's condition", i, j)
				continue
			}
			require.NoError(t, r.err, "goroutine %d, append %d", i, j)
			require.True(t, r.created, "goroutine %d, append %d", i, j)
			require.NotContains(t, bySeq, r.m.Seq, "Seq %d given twice", r.m.Seq)
			bySeq[r.m.Seq] = r.m.Text
			if r.conv != nil {
				require.Equal(t, r.m.Seq, r.conv.LastSeq, "goroutine %d: the conversation just after the append", i)
			}
		}
	}
	n := len(bySeq)
	require.Equal(t, 2*goroutines/3*each, n)
	stored := allMessages(t, ss.check, c.ID)
	require.Equal(t, denseSeqs(n), seqs(stored))
	for _, m := range stored {
		require.Equal(t, bySeq[m.Seq], m.Text, "Seq %d", m.Seq)
	}
	conv, err := ss.check.Conversation(ctx, c.ID)
	require.NoError(t, err)
	require.EqualValues(t, n, conv.LastSeq)
}
