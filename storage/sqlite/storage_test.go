package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/sqlite"
	"github.com/golivechat/livechat/storage/storagetest"
)

func TestStorage(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) livechat.Storage {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "chat.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s // Run closes it
	})
}

func TestStorageInMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) livechat.Storage {
		s, err := sqlite.Open(":memory:")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestStorageShared runs the concurrency tests on two Stores opened on
// one file, as two processes would: SQLite's file locks and the busy
// timeout order their writes.
func TestStorageShared(t *testing.T) {
	storagetest.RunShared(t, func(t *testing.T) (a, b livechat.Storage) {
		path := filepath.Join(t.TempDir(), "chat.db")
		sa, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := sqlite.Open(path)
		if err != nil {
			sa.Close()
			t.Fatal(err)
		}
		return sa, sb // RunShared closes them
	})
}

func TestStorageReopen(t *testing.T) {
	storagetest.RunReopen(t, func(t *testing.T) func() livechat.Storage {
		path := filepath.Join(t.TempDir(), "chat.db")
		return func() livechat.Storage {
			s, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}
