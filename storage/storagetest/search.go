package storagetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// searcher returns st as a livechat.MessageSearcher, or skips the test
// when st is not one: the interface is optional.
func searcher(t *testing.T, st livechat.Storage) livechat.MessageSearcher {
	t.Helper()
	ms, ok := st.(livechat.MessageSearcher)
	if !ok {
		t.Skipf("%T is not a livechat.MessageSearcher", st)
	}
	return ms
}

func (s *suite) search(t *testing.T) {
	st, ctx := s.open(t), testContext(t)
	ms := searcher(t, st)
	fixtures := []struct {
		id       string
		status   livechat.ConversationStatus
		assignee string
		updated  int
		texts    []string
	}{
		{"c1", livechat.StatusOpen, "a1", 1, []string{"My INVOICE is wrong", "thanks"}},
		{"c2", livechat.StatusClosed, "", 2, []string{"Where is my invoice?", "100% sure, a_b\\c", "invoice again"}},
		{"c3", livechat.StatusOpen, "a2", 3, []string{"hello"}},
		{"c4", livechat.StatusPending, "a1", 4, []string{"Rechnung für März", "100 percent, aXb"}},
		{"c5", livechat.StatusOpen, "", 5, nil},
	}
	msgs := map[string][]*livechat.Message{}
	for _, f := range fixtures {
		c := newConversation(f.id, "visitor-1", 0)
		c.Status, c.AssigneeID = f.status, f.assignee
		require.NoError(t, st.CreateConversation(ctx, c))
		for _, text := range f.texts {
			m, _, err := st.AppendMessage(ctx, newMessage(f.id, "", text))
			require.NoError(t, err)
			msgs[f.id] = append(msgs[f.id], m)
		}
		// The system message that ends a conversation is not searched.
		sys := &livechat.Message{ConversationID: f.id, Sender: livechat.SenderSystem, Text: "The invoice team ended the conversation.", CreatedAt: at(10)}
		_, _, err := st.AppendMessage(ctx, sys)
		require.NoError(t, err)
		c.UpdatedAt = at(f.updated)
		require.NoError(t, st.UpdateConversation(ctx, c))
	}
	tests := []struct {
		name   string
		filter livechat.ConversationFilter
		text   string
		want   []string // conversation ids, each with the seq of its newest matching message
		seqs   []int64
	}{
		{"CaseOfASCIILettersIgnored", livechat.ConversationFilter{}, "invoice", []string{"c2", "c1"}, []int64{3, 1}},
		{"Substring", livechat.ConversationFilter{}, "VOIC", []string{"c2", "c1"}, []int64{3, 1}},
		{"NonASCII", livechat.ConversationFilter{}, "für März", []string{"c4"}, []int64{1}},
		{"PercentIsLiteral", livechat.ConversationFilter{}, "100%", []string{"c2"}, []int64{2}},
		{"UnderscoreIsLiteral", livechat.ConversationFilter{}, "a_b", []string{"c2"}, []int64{2}},
		{"BackslashIsLiteral", livechat.ConversationFilter{}, `b\c`, []string{"c2"}, []int64{2}},
		{"NoMatch", livechat.ConversationFilter{}, "refund", nil, nil},
		{"SystemMessagesNotSearched", livechat.ConversationFilter{}, "ended the conversation", nil, nil},
		{"Status", livechat.ConversationFilter{Status: livechat.StatusOpen}, "invoice", []string{"c1"}, []int64{1}},
		{"Assignee", livechat.ConversationFilter{AssigneeID: "a1"}, "e", []string{"c4", "c1"}, []int64{2, 1}},
		{"AssigneeIDs", livechat.ConversationFilter{AssigneeIDs: []string{"a2", "a9"}}, "e", []string{"c3"}, []int64{1}},
		{"Unassigned", livechat.ConversationFilter{Unassigned: true}, "invoice", []string{"c2"}, []int64{3}},
		{"Limit", livechat.ConversationFilter{Limit: 1}, "invoice", []string{"c2"}, []int64{3}},
		{"After", livechat.ConversationFilter{After: &livechat.ConversationCursor{At: at(2), ID: "c2"}}, "invoice", []string{"c1"}, []int64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ms.SearchConversations(ctx, tt.filter, tt.text)
			require.NoError(t, err)
			require.Len(t, got, len(tt.want))
			for i, m := range got {
				require.Equal(t, tt.want[i], m.Conversation.ID)
				stored, err := st.Conversation(ctx, m.Conversation.ID)
				require.NoError(t, err)
				requireConversation(t, stored, m.Conversation)
				requireMessage(t, msgs[tt.want[i]][tt.seqs[i]-1], m.Message)
			}
		})
	}
	t.Run("EmptyTextIsInvalid", func(t *testing.T) {
		_, err := ms.SearchConversations(ctx, livechat.ConversationFilter{}, "")
		require.ErrorIs(t, err, livechat.ErrInvalid)
	})
}
