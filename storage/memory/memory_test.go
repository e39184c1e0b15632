package memory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStore(t *testing.T) {
	storagetest.Run(t, func(*testing.T) livechat.Storage { return memory.New() })
}

func TestCloseTwiceIsNoOp(t *testing.T) {
	s := memory.New()
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err := s.Agents(context.Background())
	require.ErrorIs(t, err, livechat.ErrClosed)
}

func TestCanceledContextIsRefused(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.CreateVisitor(ctx, &livechat.Visitor{ID: "v1"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Visitor(context.Background(), "v1")
	require.ErrorIs(t, err, livechat.ErrNotFound)
}

func TestNilArgumentIsInvalid(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx := context.Background()
	require.ErrorIs(t, s.CreateVisitor(ctx, nil), livechat.ErrInvalid)
	_, _, err := s.AppendMessage(ctx, nil)
	require.ErrorIs(t, err, livechat.ErrInvalid)
	_, err = s.PutChatflow(ctx, nil, 0)
	require.ErrorIs(t, err, livechat.ErrInvalid)
}

func TestAppendLeavesArgumentUnchanged(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx := context.Background()
	require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: "c1"}))
	in := &livechat.Message{ConversationID: "c1", Text: "hi"}
	stored, created, err := s.AppendMessage(ctx, in)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, &livechat.Message{ConversationID: "c1", Text: "hi"}, in)
	require.EqualValues(t, 1, stored.Seq)
	require.NotEmpty(t, stored.ID)
}
