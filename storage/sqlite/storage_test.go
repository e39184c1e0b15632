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
