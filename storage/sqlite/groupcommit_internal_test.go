package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// newAppend is an append request as AppendMessage makes it.
func newAppend(s *Store, m livechat.Message) *appendRequest {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.now()
	}
	var e encoder
	r := &appendRequest{request: newRequest(), msg: m, createdAt: e.time(m.CreatedAt)}
	if m.ID == "" {
		r.msg.ID = "id-" + m.ConversationID + "-" + m.ClientMsgID + "-" + m.Text
	}
	return r
}

func openInternal(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "chat.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	for _, id := range []string{"c1", "c2"} {
		require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: id, Status: livechat.StatusOpen}))
	}
	return s
}

// commitGroup runs the requests as one group, as the committer's
// goroutine does.
func commitGroup(s *Store, group ...groupWrite) {
	s.group.pending.Add(int64(len(group)))
	s.group.commit(group)
}

func answered(w groupWrite) bool {
	select {
	case <-w.base().done:
		return true
	default:
		return false
	}
}

func storedSeqs(t *testing.T, s *Store, convID string) []int64 {
	t.Helper()
	ms, err := s.Messages(context.Background(), convID, 0, 1000)
	require.NoError(t, err)
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

// TestGroupFailuresAreTheirOwn runs one group holding every kind of
// append: new ones in two conversations, a repeat of a client message id
// made earlier in the same group, one to an unknown conversation and one
// with a taken message id. Each gets its own answer, in one transaction.
func TestGroupFailuresAreTheirOwn(t *testing.T) {
	s := openInternal(t)
	v := livechat.SenderVisitor
	first := newAppend(s, livechat.Message{ConversationID: "c1", ClientMsgID: "k1", Sender: v, AuthorID: "v1", Text: "a"})
	other := newAppend(s, livechat.Message{ConversationID: "c2", ClientMsgID: "k1", Sender: v, AuthorID: "v2", Text: "b"})
	repeat := newAppend(s, livechat.Message{ConversationID: "c1", ClientMsgID: "k1", Sender: v, AuthorID: "v1", Text: "a again"})
	unknown := newAppend(s, livechat.Message{ConversationID: "nope", ClientMsgID: "k2", Sender: v, Text: "c"})
	takenID := newAppend(s, livechat.Message{ID: first.msg.ID, ConversationID: "c1", ClientMsgID: "k3", Sender: v, Text: "d"})
	agentSame := newAppend(s, livechat.Message{ConversationID: "c1", ClientMsgID: "k1", Sender: livechat.SenderAgent, AuthorID: "a1", Text: "e"})
	last := newAppend(s, livechat.Message{ConversationID: "c1", Sender: v, AuthorID: "v1", Text: "f"})

	commitGroup(s, first, other, repeat, unknown, takenID, agentSame, last)

	for _, r := range []groupWrite{first, other, repeat, unknown, takenID, agentSame, last} {
		require.True(t, answered(r))
	}
	require.NoError(t, first.err)
	require.True(t, first.created)
	require.EqualValues(t, 1, first.stored.Seq)
	require.NoError(t, other.err)
	require.EqualValues(t, 1, other.stored.Seq)

	require.NoError(t, repeat.err)
	require.False(t, repeat.created)
	require.Equal(t, first.stored.ID, repeat.stored.ID)
	require.Equal(t, "a", repeat.stored.Text)

	require.ErrorIs(t, s.fail("append", unknown.err), livechat.ErrNotFound)
	require.ErrorIs(t, s.fail("append", takenID.err), livechat.ErrConflict)

	require.NoError(t, agentSame.err)
	require.True(t, agentSame.created)
	require.EqualValues(t, 2, agentSame.stored.Seq)
	require.NoError(t, last.err)
	require.EqualValues(t, 3, last.stored.Seq)

	require.Equal(t, []int64{1, 2, 3}, storedSeqs(t, s, "c1"))
	require.Equal(t, []int64{1}, storedSeqs(t, s, "c2"))
	c, err := s.Conversation(context.Background(), "c1")
	require.NoError(t, err)
	require.EqualValues(t, 3, c.LastSeq)
}

// TestGroupThatFailsRunsAppendsAlone makes one append fail in a way that
// rolls its group back (a value the driver cannot store): the others are
// stored, each in a transaction of its own, with dense numbers.
func TestGroupThatFailsRunsAppendsAlone(t *testing.T) {
	s := openInternal(t)
	a := newAppend(s, livechat.Message{ConversationID: "c1", Text: "a"})
	bad := newAppend(s, livechat.Message{ConversationID: "c1", Text: "bad"})
	bad.createdAt = struct{}{}
	b := newAppend(s, livechat.Message{ConversationID: "c1", Text: "b"})

	commitGroup(s, a, bad, b)

	require.NoError(t, a.err)
	require.Error(t, bad.err)
	require.Nil(t, bad.stored)
	require.False(t, bad.created)
	require.NoError(t, b.err)
	require.EqualValues(t, 1, a.stored.Seq)
	require.EqualValues(t, 2, b.stored.Seq)
	require.Equal(t, []int64{1, 2}, storedSeqs(t, s, "c1"))
}

// TestGroupSkipsAbandonedAppends: an append whose caller gave up before
// the group began is neither stored nor answered, and the others are.
func TestGroupSkipsAbandonedAppends(t *testing.T) {
	s := openInternal(t)
	a := newAppend(s, livechat.Message{ConversationID: "c1", Text: "a"})
	gone := newAppend(s, livechat.Message{ConversationID: "c1", Text: "gone"})
	require.True(t, gone.state.CompareAndSwap(requestQueued, requestAbandoned))
	b := newAppend(s, livechat.Message{ConversationID: "c1", Text: "b"})

	commitGroup(s, a, gone, b)

	require.False(t, answered(gone))
	require.NoError(t, a.err)
	require.NoError(t, b.err)
	require.Equal(t, []int64{1, 2}, storedSeqs(t, s, "c1"))
	ms, err := s.Messages(context.Background(), "c1", 0, 10)
	require.NoError(t, err)
	require.Equal(t, "a", ms[0].Text)
	require.Equal(t, "b", ms[1].Text)
}

// TestAppendsShareTransactions: appends made at the same time by many
// goroutines are committed in fewer transactions than there are appends.
func TestAppendsShareTransactions(t *testing.T) {
	s := openInternal(t)
	ctx := context.Background()
	const goroutines, each = 20, 10
	done := make(chan error)
	for g := range goroutines {
		go func() {
			var err error
			for i := range each {
				if err == nil {
					_, _, err = s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "x", CreatedAt: time.Unix(int64(g*each+i), 0)})
				}
			}
			done <- err
		}()
	}
	for range goroutines {
		require.NoError(t, <-done)
	}
	require.Len(t, storedSeqs(t, s, "c1"), goroutines*each)
	n, largest := s.group.commits.Load(), s.group.largest.Load()
	assert.Less(t, n, int64(goroutines*each), "transactions")
	assert.Greater(t, largest, int64(1), "largest group")
}

// TestCheckpointerCopiesTheWAL: appends leave the WAL to the checkpointer
// (the writer's own autocheckpoint starts only at autocheckpointFrames),
// and a checkpoint copies all of it back while no reader holds an older
// snapshot.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	s := openInternal(t)
	ctx := context.Background()
	for i := range 100 {
		_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: strings.Repeat("x", 1000+i)})
		require.NoError(t, err)
	}
	s.ckpt.checkpoint(ctx)
	var busy, frames, copied int
	require.NoError(t, s.ckpt.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied))
	require.Zero(t, busy)
	require.Equal(t, frames, copied, "frames copied back")

	var limit int
	require.NoError(t, s.w.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&limit))
	require.Equal(t, autocheckpointFrames, limit)
}

func newMark(s *Store, m livechat.ReadMark) *readMarkRequest {
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = s.now()
	}
	var e encoder
	return &readMarkRequest{request: newRequest(), mark: m, updatedAt: e.time(m.UpdatedAt)}
}

// TestGroupOfReadMarksAndAppends runs read marks in a group with appends:
// a mark only moves forward, also within the group; a mark of an unknown
// conversation gets its error alone; a mark that rolls the group back is
// the only one to fail when the others run again alone.
func TestGroupOfReadMarksAndAppends(t *testing.T) {
	s := openInternal(t)
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAppend(s, livechat.Message{ConversationID: "c1", Text: "a"})
	m5 := newMark(s, livechat.ReadMark{ConversationID: "c1", Participant: "v1", Seq: 5, UpdatedAt: t0})
	m3 := newMark(s, livechat.ReadMark{ConversationID: "c1", Participant: "v1", Seq: 3, UpdatedAt: t0.Add(time.Hour)})
	other := newMark(s, livechat.ReadMark{ConversationID: "c2", Participant: "a1", Seq: 1, UpdatedAt: t0})
	unknown := newMark(s, livechat.ReadMark{ConversationID: "nope", Participant: "v1", Seq: 1})

	commitGroup(s, a, m5, m3, other, unknown)

	require.NoError(t, a.err)
	require.EqualValues(t, 1, a.stored.Seq)
	require.NoError(t, m5.err)
	require.EqualValues(t, 5, m5.stored.Seq)
	require.NoError(t, m3.err)
	require.EqualValues(t, 5, m3.stored.Seq, "a mark does not move back")
	require.True(t, m3.stored.UpdatedAt.Equal(t0))
	require.NoError(t, other.err)
	require.Equal(t, livechat.ReadMark{ConversationID: "c2", Participant: "a1", Seq: 1, UpdatedAt: t0}, other.stored)
	require.ErrorIs(t, s.fail("mark", unknown.err), livechat.ErrNotFound)

	bad := newMark(s, livechat.ReadMark{ConversationID: "c1", Participant: "a1", Seq: 1})
	bad.updatedAt = struct{}{}
	m7 := newMark(s, livechat.ReadMark{ConversationID: "c1", Participant: "v1", Seq: 7, UpdatedAt: t0})
	b := newAppend(s, livechat.Message{ConversationID: "c1", Text: "b"})
	commitGroup(s, bad, m7, b)
	require.Error(t, bad.err)
	require.NoError(t, m7.err)
	require.EqualValues(t, 7, m7.stored.Seq)
	require.NoError(t, b.err)
	require.EqualValues(t, 2, b.stored.Seq)

	marks, err := s.ReadMarks(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, []livechat.ReadMark{{ConversationID: "c1", Participant: "v1", Seq: 7, UpdatedAt: t0}}, marks)
}

// TestSteadyAppendsShareTransactions: appends that arrive one at a time,
// half a millisecond apart, from callers that each wait for their own, are
// committed in fewer transactions than there are appends.
func TestSteadyAppendsShareTransactions(t *testing.T) {
	s := openInternal(t)
	ctx := context.Background()
	const appends = 40
	before := s.group.commits.Load()
	done := make(chan error, appends)
	tick := time.NewTicker(500 * time.Microsecond)
	defer tick.Stop()
	for i := range appends {
		<-tick.C
		go func() {
			_, _, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", Text: "x", CreatedAt: time.Unix(int64(i), 0)})
			done <- err
		}()
	}
	for range appends {
		require.NoError(t, <-done)
	}
	require.Len(t, storedSeqs(t, s, "c1"), appends)
	assert.Less(t, s.group.commits.Load()-before, int64(appends), "transactions")
}

// TestCheckpointerWaitsForWrites: a checkpointer checkpoints once its
// count of writes is reached, or its time after the first write has
// passed, whichever comes first, and counts again from zero.
func TestCheckpointerWaitsForWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chat.db")
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)

	byCount := newCheckpointer(db, time.Hour, 10)
	byCount.wrote(9)
	time.Sleep(20 * time.Millisecond)
	require.Zero(t, byCount.checkpoints.Load(), "9 writes of 10, and an hour to wait")
	byCount.wrote(1)
	require.Eventually(t, func() bool { return byCount.checkpoints.Load() == 1 }, 10*time.Second, time.Millisecond)
	require.Zero(t, byCount.written.Load(), "counting again")
	byCount.wrote(10)
	require.Eventually(t, func() bool { return byCount.checkpoints.Load() == 2 }, 10*time.Second, time.Millisecond)
	require.NoError(t, byCount.close())

	db, err = sql.Open("sqlite", path)
	require.NoError(t, err)
	byTime := newCheckpointer(db, time.Millisecond, 1<<40)
	byTime.wrote(1)
	require.Eventually(t, func() bool { return byTime.checkpoints.Load() == 1 }, 10*time.Second, time.Millisecond)
	byTime.wrote(1)
	require.Eventually(t, func() bool { return byTime.checkpoints.Load() == 2 }, 10*time.Second, time.Millisecond)
	require.NoError(t, byTime.close())
	byTime.wrote(1) // after close: does not block
}

// A write outside the committer's groups (here an agent and a contact) is
// checkpointed as grouped ones are, so that a power failure loses it only
// within the same bound.
func TestCheckpointerTakesOtherWrites(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "chat.db"))
	require.NoError(t, err)
	defer s.Close()
	for i, write := range []func() error{
		func() error { return s.PutAgent(ctx, &livechat.Agent{ID: "a1", Name: "Ada"}) },
		func() error {
			return s.CreateContact(ctx, &livechat.Contact{ID: "c1", Email: "ada@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()})
		},
	} {
		before := s.ckpt.checkpoints.Load()
		require.NoError(t, write())
		require.Eventually(t, func() bool { return s.ckpt.checkpoints.Load() > before }, 10*time.Second, time.Millisecond, "write %d checkpointed", i)
	}
}
