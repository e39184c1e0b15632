package filestoretest_test

import (
	"testing"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/files"
	"github.com/golivechat/livechat/storage/filestoretest"
)

// A FileStore's test file runs the suite with a function that returns a
// new, empty store for each subtest.
func ExampleRun() {
	// In the FileStore's package: func TestFileStore(t *testing.T) { ... }
	_ = func(t *testing.T) {
		filestoretest.Run(t, func(t *testing.T) livechat.FileStore {
			s, err := files.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	}
}
