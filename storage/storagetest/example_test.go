package storagetest_test

import (
	"testing"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/storage/storagetest"
)

// An adapter's test file runs the suite with a function that returns a new,
// empty store for each subtest.
func ExampleRun() {
	// In the adapter's package: func TestStorage(t *testing.T) { ... }
	_ = func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) livechat.Storage {
			return memory.New()
		})
	}
}

// A persistent adapter also checks that its data survives a reopen. Here
// open stands for the adapter's own constructor, such as sqlite.Open.
func ExampleRunReopen() {
	var open func(path string) (livechat.Storage, error)

	_ = func(t *testing.T) {
		storagetest.RunReopen(t, func(t *testing.T) func() livechat.Storage {
			path := t.TempDir() + "/chat.db"
			return func() livechat.Storage {
				st, err := open(path)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		})
	}
}

// An adapter that several nodes share runs the concurrency tests with two
// stores on one database, such as two connection pools. Here open stands
// for the adapter's constructor, and newDatabase for a helper that makes a
// new, empty database (or schema) for a test.
func ExampleRunShared() {
	var open func(db string) (livechat.Storage, error)
	var newDatabase func(t *testing.T) string

	_ = func(t *testing.T) {
		storagetest.RunShared(t, func(t *testing.T) (a, b livechat.Storage) {
			db := newDatabase(t)
			var err error
			if a, err = open(db); err != nil {
				t.Fatal(err)
			}
			if b, err = open(db); err != nil {
				t.Fatal(err)
			}
			return a, b
		})
	}
}
