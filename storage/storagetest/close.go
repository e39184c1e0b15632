package storagetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func (s *suite) close(t *testing.T) {
	t.Run("MethodsAfterCloseReturnErrClosed", func(t *testing.T) {
		// Not s.open: this test closes the store itself.
		st, ctx := s.newStore(t), testContext(t)
		require.NotNil(t, st, "newStore returned nil")
		closed := false
		t.Cleanup(func() {
			if !closed {
				assert.NoError(t, st.Close(), "Close")
			}
		})
		c := newConversation("conv-1", "visitor-1", 1)
		require.NoError(t, st.CreateConversation(ctx, c))
		closed = true
		require.NoError(t, st.Close())

		calls := []struct {
			name string
			call func(context.Context, livechat.Storage) error
		}{
			{"CreateVisitor", func(ctx context.Context, st livechat.Storage) error {
				return st.CreateVisitor(ctx, newVisitor("visitor-1"))
			}},
			{"Visitor", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Visitor(ctx, "visitor-1")
				return err
			}},
			{"UpdateVisitor", func(ctx context.Context, st livechat.Storage) error {
				return st.UpdateVisitor(ctx, newVisitor("visitor-1"))
			}},
			{"CreateContact", func(ctx context.Context, st livechat.Storage) error {
				return st.CreateContact(ctx, newContact("contact-1", "a@example.com"))
			}},
			{"Contact", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Contact(ctx, "contact-1")
				return err
			}},
			{"ContactByEmail", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.ContactByEmail(ctx, "a@example.com")
				return err
			}},
			{"UpdateContact", func(ctx context.Context, st livechat.Storage) error {
				return st.UpdateContact(ctx, newContact("contact-1", "a@example.com"))
			}},
			{"PutAgent", func(ctx context.Context, st livechat.Storage) error {
				return st.PutAgent(ctx, newAgent("agent-1"))
			}},
			{"Agent", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Agent(ctx, "agent-1")
				return err
			}},
			{"Agents", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Agents(ctx)
				return err
			}},
			{"PutTeam", func(ctx context.Context, st livechat.Storage) error {
				return st.PutTeam(ctx, newTeam("team-1"))
			}},
			{"Team", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Team(ctx, "team-1")
				return err
			}},
			{"Teams", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Teams(ctx)
				return err
			}},
			{"CreateConversation", func(ctx context.Context, st livechat.Storage) error {
				return st.CreateConversation(ctx, newConversation("conv-2", "visitor-1", 1))
			}},
			{"Conversation", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Conversation(ctx, c.ID)
				return err
			}},
			{"Conversations", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Conversations(ctx, livechat.ConversationFilter{})
				return err
			}},
			{"UpdateConversation", func(ctx context.Context, st livechat.Storage) error {
				return st.UpdateConversation(ctx, c)
			}},
			{"ClaimConversation", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.ClaimConversation(ctx, c.ID, "agent-1", 2, at(30))
				return err
			}},
			{"AppendMessage", func(ctx context.Context, st livechat.Storage) error {
				_, _, err := st.AppendMessage(ctx, newMessage(c.ID, "client-1", "hello"))
				return err
			}},
			{"Messages", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Messages(ctx, c.ID, 0, 10)
				return err
			}},
			{"SetReadMark", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.SetReadMark(ctx, livechat.ReadMark{ConversationID: c.ID, Participant: "visitor", Seq: 1})
				return err
			}},
			{"ReadMarks", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.ReadMarks(ctx, c.ID)
				return err
			}},
			{"Chatflows", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Chatflows(ctx)
				return err
			}},
			{"Chatflow", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.Chatflow(ctx, "flow-1")
				return err
			}},
			{"PutChatflow", func(ctx context.Context, st livechat.Storage) error {
				_, err := st.PutChatflow(ctx, newChatflow("flow-1"), 0)
				return err
			}},
			{"DeleteChatflow", func(ctx context.Context, st livechat.Storage) error {
				return st.DeleteChatflow(ctx, "flow-1")
			}},
		}
		if _, ok := st.(livechat.ConditionalAppender); ok {
			calls = append(calls, struct {
				name string
				call func(context.Context, livechat.Storage) error
			}{"AppendMessageIf", func(ctx context.Context, st livechat.Storage) error {
				_, _, _, err := st.(livechat.ConditionalAppender).AppendMessageIf(ctx, newMessage(c.ID, "client-1", "hello"), livechat.AppendCondition{})
				return err
			}})
		}
		if _, ok := st.(livechat.SavedReplyStore); ok {
			calls = append(calls, struct {
				name string
				call func(context.Context, livechat.Storage) error
			}{"CreateSavedReply", func(ctx context.Context, st livechat.Storage) error {
				return st.(livechat.SavedReplyStore).CreateSavedReply(ctx, newReply("r1", "thanks"))
			}})
		}
		if _, ok := st.(livechat.TeamDeleter); ok {
			calls = append(calls, struct {
				name string
				call func(context.Context, livechat.Storage) error
			}{"DeleteTeam", func(ctx context.Context, st livechat.Storage) error {
				return st.(livechat.TeamDeleter).DeleteTeam(ctx, "team-1")
			}})
		}
		for _, tt := range calls {
			t.Run(tt.name, func(t *testing.T) {
				require.ErrorIs(t, tt.call(ctx, st), livechat.ErrClosed)
			})
		}
	})
}
