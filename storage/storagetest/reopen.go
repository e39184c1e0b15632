package storagetest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// RunReopen checks that a store which persists its data keeps all of it
// across Close and a new open: visitors, contacts, agents, teams,
// conversations, messages with their Seqs, read marks and chatflows, and
// that sequences, idempotency keys, unique emails and chatflow versions
// carry on where they were.
//
// newOpen is called once per subtest with that subtest's t. The open
// function it returns must return a store on the same data each time it is
// called (a file in a t.TempDir, say); the data starts empty. open may call
// t.Fatal. RunReopen closes every store that open returns.
func RunReopen(t *testing.T, newOpen func(t *testing.T) (open func() livechat.Storage)) {
	t.Helper()
	t.Run("DataSurvivesReopen", func(t *testing.T) {
		reopenDataSurvives(t, newOpen(t))
	})
	t.Run("AppendAfterReopenContinuesSequence", func(t *testing.T) {
		reopenAppendContinues(t, newOpen(t))
	})
	t.Run("RulesHoldAfterReopen", func(t *testing.T) {
		reopenRulesHold(t, newOpen(t))
	})
}

// reopener opens stores and closes the last one it opened.
type reopener struct {
	t    *testing.T
	open func() livechat.Storage
	st   livechat.Storage
}

func newReopener(t *testing.T, open func() livechat.Storage) *reopener {
	t.Helper()
	r := &reopener{t: t, open: open}
	t.Cleanup(func() {
		if r.st != nil {
			assert.NoError(t, r.st.Close(), "Close")
		}
	})
	return r
}

// next closes the open store, if any, and opens the data again.
func (r *reopener) next() livechat.Storage {
	r.t.Helper()
	if r.st != nil {
		st := r.st
		r.st = nil
		require.NoError(r.t, st.Close(), "Close before reopening")
	}
	r.st = r.open()
	require.NotNil(r.t, r.st, "open returned nil")
	return r.st
}

func reopenDataSurvives(t *testing.T, open func() livechat.Storage) {
	t.Helper()
	r := newReopener(t, open)
	st, ctx := r.next(), testContext(t)

	visitor := newVisitor("visitor-1")
	require.NoError(t, st.CreateVisitor(ctx, visitor))
	contact := newContact("contact-1", "Zoe@Example.com")
	require.NoError(t, st.CreateContact(ctx, contact))
	agent := newAgent("agent-1")
	require.NoError(t, st.PutAgent(ctx, agent))
	team := newTeam("team-1")
	require.NoError(t, st.PutTeam(ctx, team))

	conv := newConversation("conv-1", visitor.ID, 3)
	require.NoError(t, st.CreateConversation(ctx, conv))
	var messages []*livechat.Message
	for i, clientID := range []string{"client-1", "", "client-3"} {
		in := newMessage(conv.ID, clientID, "message "+string(rune('1'+i)))
		m, _, err := st.AppendMessage(ctx, in)
		require.NoError(t, err)
		messages = append(messages, m)
	}
	// Updated after the appends, which may move UpdatedAt themselves.
	conv.Status = livechat.StatusClosed
	conv.AssigneeID = agent.ID
	conv.UpdatedAt = at(20)
	conv.ClosedAt = at(21)
	require.NoError(t, st.UpdateConversation(ctx, conv))
	conv.LastSeq = 3
	empty := newConversation("conv-empty", visitor.ID, 2)
	require.NoError(t, st.CreateConversation(ctx, empty))

	marks := []livechat.ReadMark{
		{ConversationID: conv.ID, Participant: "visitor", Seq: 2, UpdatedAt: at(30)},
		{ConversationID: conv.ID, Participant: "agent:" + agent.ID, Seq: 3, UpdatedAt: at(31)},
	}
	for _, m := range marks {
		_, err := st.SetReadMark(ctx, m)
		require.NoError(t, err)
	}

	flow := newChatflow("flow-1")
	_, err := st.PutChatflow(ctx, flow, 0)
	require.NoError(t, err)
	flow.Data = json.RawMessage(`{"v":2}`)
	_, err = st.PutChatflow(ctx, flow, 1)
	require.NoError(t, err)
	_, err = st.PutChatflow(ctx, newChatflow("flow-deleted"), 0)
	require.NoError(t, err)
	require.NoError(t, st.DeleteChatflow(ctx, "flow-deleted"))

	st = r.next()

	gotVisitor, err := st.Visitor(ctx, visitor.ID)
	require.NoError(t, err)
	requireVisitor(t, visitor, gotVisitor)

	gotContact, err := st.Contact(ctx, contact.ID)
	require.NoError(t, err)
	requireContact(t, contact, gotContact)
	gotContact, err = st.ContactByEmail(ctx, "zoe@example.com")
	require.NoError(t, err)
	requireContact(t, contact, gotContact)

	gotAgent, err := st.Agent(ctx, agent.ID)
	require.NoError(t, err)
	requireAgent(t, agent, gotAgent)
	agents, err := st.Agents(ctx)
	require.NoError(t, err)
	require.Len(t, agents, 1)

	gotTeam, err := st.Team(ctx, team.ID)
	require.NoError(t, err)
	requireTeam(t, team, gotTeam)
	teams, err := st.Teams(ctx)
	require.NoError(t, err)
	require.Len(t, teams, 1)

	gotConv, err := st.Conversation(ctx, conv.ID)
	require.NoError(t, err)
	requireConversation(t, conv, gotConv)
	convs, err := st.Conversations(ctx, livechat.ConversationFilter{})
	require.NoError(t, err)
	require.Equal(t, []string{conv.ID, empty.ID}, ids(convs, conversationID))
	requireConversation(t, empty, convs[1])

	requireMessages(t, messages, allMessages(t, st, conv.ID))
	require.Empty(t, allMessages(t, st, empty.ID))

	gotMarks, err := st.ReadMarks(ctx, conv.ID)
	require.NoError(t, err)
	require.Len(t, gotMarks, len(marks))
	byParticipant := make(map[string]livechat.ReadMark)
	for _, m := range gotMarks {
		byParticipant[m.Participant] = m
	}
	for _, m := range marks {
		requireReadMark(t, m, byParticipant[m.Participant])
	}

	gotFlow, err := st.Chatflow(ctx, flow.ID)
	require.NoError(t, err)
	require.EqualValues(t, 2, gotFlow.Version)
	requireChatflow(t, flow, gotFlow)
	_, err = st.Chatflow(ctx, "flow-deleted")
	require.ErrorIs(t, err, livechat.ErrNotFound)
	flows, err := st.Chatflows(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{flow.ID}, ids(flows, chatflowID))
}

func reopenAppendContinues(t *testing.T, open func() livechat.Storage) {
	t.Helper()
	r := newReopener(t, open)
	st, ctx := r.next(), testContext(t)
	c := mustCreateConversation(t, st, "conv-1")
	first, _, err := st.AppendMessage(ctx, newMessage(c.ID, "client-1", "before reopen"))
	require.NoError(t, err)
	mustAppend(t, st, c.ID, 4)

	st = r.next()
	m, created, err := st.AppendMessage(ctx, newMessage(c.ID, "client-2", "after reopen"))
	require.NoError(t, err)
	require.True(t, created)
	require.EqualValues(t, 6, m.Seq)
	got, err := st.Conversation(ctx, c.ID)
	require.NoError(t, err)
	require.EqualValues(t, 6, got.LastSeq)

	repeat, created, err := st.AppendMessage(ctx, newMessage(c.ID, "client-1", "repeat after reopen"))
	require.NoError(t, err)
	require.False(t, created, "a ClientMsgID from before the reopen is a repeat")
	requireMessage(t, first, repeat)

	st = r.next()
	require.Equal(t, denseSeqs(6), seqs(allMessages(t, st, c.ID)))
}

func reopenRulesHold(t *testing.T, open func() livechat.Storage) {
	t.Helper()
	r := newReopener(t, open)
	st, ctx := r.next(), testContext(t)
	require.NoError(t, st.CreateVisitor(ctx, newVisitor("visitor-1")))
	require.NoError(t, st.CreateContact(ctx, newContact("contact-1", "a@example.com")))
	c := mustCreateConversation(t, st, "conv-1")
	mustAppend(t, st, c.ID, 5)
	_, err := st.SetReadMark(ctx, livechat.ReadMark{ConversationID: c.ID, Participant: "visitor", Seq: 4, UpdatedAt: at(1)})
	require.NoError(t, err)
	_, err = st.PutChatflow(ctx, newChatflow("flow-1"), 0)
	require.NoError(t, err)

	st = r.next()
	require.ErrorIs(t, st.CreateVisitor(ctx, newVisitor("visitor-1")), livechat.ErrConflict, "visitor id")
	require.ErrorIs(t, st.CreateContact(ctx, newContact("contact-2", "A@EXAMPLE.com")), livechat.ErrConflict, "contact email")
	require.ErrorIs(t, st.CreateConversation(ctx, newConversation(c.ID, "v", 1)), livechat.ErrConflict, "conversation id")
	mark, err := st.SetReadMark(ctx, livechat.ReadMark{ConversationID: c.ID, Participant: "visitor", Seq: 2, UpdatedAt: at(2)})
	require.NoError(t, err)
	require.EqualValues(t, 4, mark.Seq, "read mark moved back")
	_, err = st.PutChatflow(ctx, newChatflow("flow-1"), 0)
	require.ErrorIs(t, err, livechat.ErrConflict, "chatflow create of existing id")
	rec, err := st.PutChatflow(ctx, newChatflow("flow-1"), 1)
	require.NoError(t, err)
	require.EqualValues(t, 2, rec.Version)
}
