// Package filestoretest is the conformance suite for [livechat.FileStore]
// implementations, as storage/storagetest is for Storage: an
// implementation's own test calls [Run] with a function that returns a
// fresh, empty store.
//
//	func TestFileStore(t *testing.T) {
//		filestoretest.Run(t, func(t *testing.T) livechat.FileStore {
//			s, err := files.Open(t.TempDir())
//			require.NoError(t, err)
//			return s
//		})
//	}
//
// Run closes every store it is given when the subtest that asked for it
// ends, so newStore must not close it.
package filestoretest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

const callTimeout = 10 * time.Second

// Run runs the conformance suite against the stores newStore returns.
func Run(t *testing.T, newStore func(t *testing.T) livechat.FileStore) {
	t.Helper()
	open := func(t *testing.T) (livechat.FileStore, context.Context) {
		t.Helper()
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		t.Cleanup(cancel)
		return s, ctx
	}
	t.Run("PutOpenDelete", func(t *testing.T) {
		s, ctx := open(t)
		data := bytes.Repeat([]byte("\x89PNG\r\n\x1a\n\x00"), 100_000)
		n, err := s.Put(ctx, "f1", bytes.NewReader(data))
		require.NoError(t, err)
		require.Equal(t, int64(len(data)), n)
		require.Equal(t, data, read(t, ctx, s, "f1"))

		_, err = s.Put(ctx, "empty", strings.NewReader(""))
		require.NoError(t, err)
		require.Empty(t, read(t, ctx, s, "empty"))

		require.NoError(t, s.Delete(ctx, "f1"))
		_, err = s.Open(ctx, "f1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		require.ErrorIs(t, s.Delete(ctx, "f1"), livechat.ErrNotFound)
		require.Empty(t, read(t, ctx, s, "empty"), "deleting one file leaves the others")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s, ctx := open(t)
		_, err := s.Open(ctx, "missing")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		require.ErrorIs(t, s.Delete(ctx, "missing"), livechat.ErrNotFound)
	})
	t.Run("ErrConflictKeepsTheFirst", func(t *testing.T) {
		s, ctx := open(t)
		_, err := s.Put(ctx, "f1", strings.NewReader("first"))
		require.NoError(t, err)
		_, err = s.Put(ctx, "f1", strings.NewReader("second"))
		require.ErrorIs(t, err, livechat.ErrConflict)
		require.Equal(t, "first", string(read(t, ctx, s, "f1")))
	})
	t.Run("ErrInvalidIDs", func(t *testing.T) {
		s, ctx := open(t)
		for _, id := range []string{"", "..", ".", "../x", "a/b", `a\b`, "/etc/passwd", ".put-x", "a b", "é", "x\x00", strings.Repeat("a", 65)} {
			_, err := s.Put(ctx, id, strings.NewReader("x"))
			require.ErrorIs(t, err, livechat.ErrInvalid, "Put %q", id)
			_, err = s.Open(ctx, id)
			require.ErrorIs(t, err, livechat.ErrInvalid, "Open %q", id)
			require.ErrorIs(t, s.Delete(ctx, id), livechat.ErrInvalid, "Delete %q", id)
		}
		_, err := s.Put(ctx, strings.Repeat("a", 64), strings.NewReader("x"))
		require.NoError(t, err, "64 characters is a valid id")
	})
	t.Run("FailedReadStoresNothing", func(t *testing.T) {
		s, ctx := open(t)
		boom := errors.New("reader broke")
		_, err := s.Put(ctx, "f1", io.MultiReader(strings.NewReader(strings.Repeat("x", 100_000)), errReader{boom}))
		require.ErrorIs(t, err, boom)
		_, err = s.Open(ctx, "f1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
		_, err = s.Put(ctx, "f1", strings.NewReader("again"))
		require.NoError(t, err, "a failed Put leaves the id free")
		require.Equal(t, "again", string(read(t, ctx, s, "f1")))
	})
	t.Run("CancelledStoresNothing", func(t *testing.T) {
		s, _ := open(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.Put(ctx, "f1", strings.NewReader("x"))
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.Open(context.Background(), "f1")
		require.ErrorIs(t, err, livechat.ErrNotFound)
	})
	t.Run("ConcurrentPutsOfOneIDStoreOne", func(t *testing.T) {
		s, ctx := open(t)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Put(ctx, "f1", bytes.NewReader(bytes.Repeat([]byte{byte('a' + i)}, 50_000)))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				require.ErrorIs(t, err, livechat.ErrConflict)
			}
		}
		require.Equal(t, 1, ok)
		got := read(t, ctx, s, "f1")
		require.Len(t, got, 50_000)
		require.Equal(t, bytes.Repeat(got[:1], 50_000), got, "one writer's bytes, whole")
	})
	t.Run("ErrClosed", func(t *testing.T) {
		s, ctx := open(t)
		_, err := s.Put(ctx, "f1", strings.NewReader("x"))
		require.NoError(t, err)
		require.NoError(t, s.Close())
		_, err = s.Put(ctx, "f2", strings.NewReader("x"))
		require.ErrorIs(t, err, livechat.ErrClosed)
		_, err = s.Open(ctx, "f1")
		require.ErrorIs(t, err, livechat.ErrClosed)
		require.ErrorIs(t, s.Delete(ctx, "f1"), livechat.ErrClosed)
	})
}

func read(t *testing.T, ctx context.Context, s livechat.FileStore, id string) []byte {
	t.Helper()
	rc, err := s.Open(ctx, id)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
