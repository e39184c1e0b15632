package storagetest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// persistent lets a memory.Store stand in for a persistent store: Close
// leaves the data for the next open.
type persistent struct{ *memory.Store }

func (persistent) Close() error { return nil }

// TestRunReopen runs RunReopen itself, on a memory.Store shared by every
// open of one subtest.
func TestRunReopen(t *testing.T) {
	storagetest.RunReopen(t, func(t *testing.T) func() livechat.Storage {
		shared := memory.New()
		t.Cleanup(func() { _ = shared.Close() })
		return func() livechat.Storage { return persistent{shared} }
	})
}

// TestRunShared runs RunShared itself, on two handles of one memory.Store.
func TestRunShared(t *testing.T) {
	storagetest.RunShared(t, func(t *testing.T) (a, b livechat.Storage) {
		shared := memory.New()
		t.Cleanup(func() { _ = shared.Close() })
		return &persistent{shared}, &persistent{shared}
	})
}
