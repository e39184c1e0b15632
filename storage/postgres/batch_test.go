package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
)

// Appends that callers start at once go to PostgreSQL in batches, and each
// is answered as on its own: every message stored once with dense
// sequence numbers, a conversation that does not meet the condition
// refused, a repeat of a client key answered with the original, and a
// value PostgreSQL rejects failing its own append only.
func TestAppendsInBatches(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	const conversations, perConversation = 20, 10
	for i := range conversations {
		require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: fmt.Sprintf("c%d", i), VisitorID: "v", Status: livechat.StatusOpen}))
	}
	require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: "closed", VisitorID: "v", Status: livechat.StatusClosed}))
	cond := livechat.AppendCondition{VisitorID: "v", NotClosed: true}
	appendIf := func(conv, clientID, text string) (*livechat.Message, bool, error) {
		stored, _, created, err := s.AppendMessageIf(ctx, &livechat.Message{ConversationID: conv, ClientMsgID: clientID,
			Sender: livechat.SenderVisitor, AuthorID: "v", Text: text}, cond)
		return stored, created, err
	}

	for round := 0; ; round++ {
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, conversations*perConversation+3)
		for i := range conversations {
			for j := range perConversation {
				wg.Go(func() {
					<-start
					stored, created, err := appendIf(fmt.Sprintf("c%d", i), fmt.Sprintf("r%d-%d", round, j), "hello")
					if err == nil && (!created || stored.Seq == 0) {
						err = fmt.Errorf("c%d: created %v, seq %d", i, created, stored.Seq)
					}
					errs <- err
				})
			}
		}
		wg.Go(func() {
			<-start
			_, _, err := appendIf("closed", fmt.Sprintf("r%d", round), "hello")
			if err == nil {
				err = fmt.Errorf("append to a closed conversation stored")
			} else if !isConflict(err) {
				err = fmt.Errorf("append to a closed conversation: %w", err)
			} else {
				err = nil
			}
			errs <- err
		})
		wg.Go(func() {
			<-start
			_, _, err := appendIf("c0", fmt.Sprintf("nul%d", round), "a\x00b")
			if err == nil {
				err = fmt.Errorf("a NUL in the text was stored")
			} else if !isInvalid(err) {
				err = fmt.Errorf("a NUL in the text: %w", err)
			} else {
				err = nil
			}
			errs <- err
		})
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		want := make([]int64, (round+1)*perConversation)
		for k := range want {
			want[k] = int64(k + 1)
		}
		for i := range conversations {
			require.Equal(t, want, seqsOf(t, s, fmt.Sprintf("c%d", i)), "c%d", i)
		}
		require.Equal(t, []int64{}, seqsOf(t, s, "closed"))

		// A repeat of a client key, in a batch, returns the original.
		orig, err := s.MessageByClientID(ctx, "c1", livechat.SenderVisitor, "v", fmt.Sprintf("r%d-0", round))
		require.NoError(t, err)
		var rw sync.WaitGroup
		repeats := make(chan error, 8)
		for range 8 {
			rw.Go(func() {
				stored, created, err := appendIf("c1", fmt.Sprintf("r%d-0", round), "hello")
				if err == nil && (created || stored.ID != orig.ID) {
					err = fmt.Errorf("a repeat: created %v, id %s, the original's %s", created, stored.ID, orig.ID)
				}
				repeats <- err
			})
		}
		rw.Wait()
		close(repeats)
		for err := range repeats {
			require.NoError(t, err)
		}
		require.Len(t, seqsOf(t, s, "c1"), (round+1)*perConversation, "repeats store nothing")

		if appends, batches := postgres.BatchedAppends(s); batches > 0 {
			require.Greater(t, appends, batches, "a batch holds more than one append")
			return
		}
		require.Less(t, round, 4, "no two appends went in one batch in %d rounds", round+1)
	}
}

func isConflict(err error) bool { return err != nil && errors.Is(err, livechat.ErrConflict) }
func isInvalid(err error) bool  { return err != nil && errors.Is(err, livechat.ErrInvalid) }

// A batch that waits for one conversation's row lock (held here by another
// transaction, as another node's append would) gives up after its lock
// timeout, and its appends run again on their own: the others are stored
// without waiting for that lock, and a caller whose context ends while its
// append is in a batch gets the batch's answer, never an error for an
// append stored later.
func TestBatchDoesNotWaitForOneLock(t *testing.T) {
	dsn := testDSN(t)
	schema := testSchema(t, dsn)
	ctx := context.Background()
	s, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
	require.NoError(t, err)
	defer s.Close()
	for _, id := range []string{"a0", "c1", "z9"} {
		require.NoError(t, s.CreateConversation(ctx, &livechat.Conversation{ID: id, VisitorID: "v", Status: livechat.StatusOpen}))
	}
	pool := mustPool(t, dsn)
	lock := func(id string) func() {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `SELECT 1 FROM "`+schema+`".conversations WHERE id = $1 FOR UPDATE`, id)
		require.NoError(t, err)
		return func() { require.NoError(t, tx.Rollback(ctx)) }
	}
	cond := livechat.AppendCondition{VisitorID: "v", NotClosed: true}
	appendIf := func(ctx context.Context, conv, key string) error {
		_, _, _, err := s.AppendMessageIf(ctx, &livechat.Message{ConversationID: conv, ClientMsgID: key,
			Sender: livechat.SenderVisitor, AuthorID: "v", Text: key}, cond)
		return err
	}

	releaseZ, releaseA := lock("z9"), lock("a0")
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 4 { // every slot in flight, waiting for z9
		wg.Go(func() { errs <- appendIf(ctx, "z9", fmt.Sprint("lead", i)) })
	}
	time.Sleep(300 * time.Millisecond)
	m1 := make(chan error, 1)
	wg.Go(func() {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		m1 <- appendIf(cctx, "c1", "M1")
	})
	wg.Go(func() { errs <- appendIf(ctx, "a0", "X") })
	time.Sleep(300 * time.Millisecond)
	releaseZ() // the four finish; [a0 X, c1 M1] goes as one batch and waits for a0
	select {
	case err := <-m1:
		require.NoError(t, err, "M1 is stored without waiting for a0")
	case <-time.After(10 * time.Second):
		t.Fatal("M1 waited for a0's lock")
	}
	require.NoError(t, appendIf(ctx, "c1", "M2"))
	ms, err := s.Messages(ctx, "c1", 0, 10)
	require.NoError(t, err)
	require.Len(t, ms, 2)
	require.Equal(t, []string{"M1", "M2"}, []string{ms[0].Text, ms[1].Text}, "in the order their callers were answered")
	releaseA()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, []int64{1}, seqsOf(t, s, "a0"))
	require.Equal(t, []int64{1, 2, 3, 4}, seqsOf(t, s, "z9"))
}
