package files_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/files"
	"github.com/golivechat/livechat/storage/filestoretest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStore(t *testing.T) {
	filestoretest.Run(t, func(t *testing.T) livechat.FileStore {
		s, err := files.Open(t.TempDir())
		require.NoError(t, err)
		return s
	})
}

// A symbolic link planted in the directory does not lead a read or a
// delete outside it, and a failed Put leaves no temporary file.
func TestStaysInItsDirectory(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret")
	require.NoError(t, os.WriteFile(secret, []byte("secret"), 0o600))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "planted")))
	s, err := files.Open(dir)
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()

	_, err = s.Open(ctx, "planted")
	require.Error(t, err)
	_, err = s.Put(ctx, "new", failing{})
	require.Error(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the planted link: no temporary file left")
	_, err = os.Stat(secret)
	require.NoError(t, err)
}

// Open removes the temporary files a crash left once they are an hour
// old, and keeps younger ones (a Put of another node in progress).
func TestOpenRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	old, young := filepath.Join(dir, ".put-old"), filepath.Join(dir, ".put-young")
	require.NoError(t, os.WriteFile(old, []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(young, []byte("x"), 0o600))
	require.NoError(t, os.Chtimes(old, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)))
	s, err := files.Open(dir)
	require.NoError(t, err)
	defer s.Close()
	_, err = os.Stat(old)
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = os.Stat(young)
	require.NoError(t, err)
}

type failing struct{}

func (failing) Read(p []byte) (int, error) {
	copy(p, strings.Repeat("x", len(p)))
	return len(p) / 2, os.ErrDeadlineExceeded
}
