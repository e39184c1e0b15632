package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/golivechat/livechat"
)

// tempPrefix starts the names of files being written; no id starts with
// a dot.
const tempPrefix = ".put-"

// staleAfter is the age at which Open removes a temporary file that a
// crashed process left.
const staleAfter = time.Hour

// Store is a livechat.FileStore in a directory. It is safe for concurrent
// use.
type Store struct {
	mu     sync.RWMutex
	root   *os.Root // nil once closed
	closed bool
}

var _ livechat.FileStore = (*Store)(nil)

// Open returns a Store of the files in dir, creating the directory (mode
// 0700) when it does not exist. Close it when done.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, fmt.Errorf("files: open: %w: empty directory", livechat.ErrInvalid)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("files: open: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files: open: %w", err)
	}
	s := &Store{root: root}
	s.removeStale(time.Now())
	return s, nil
}

// removeStale removes the temporary files older than staleAfter.
func (s *Store) removeStale(now time.Time) {
	d, err := s.root.Open(".")
	if err != nil {
		return
	}
	defer d.Close()
	entries, _ := d.ReadDir(-1)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleAfter {
			_ = s.root.Remove(e.Name())
		}
	}
}

// validID reports whether id is 1 to 64 of A-Z, a-z, 0-9, '-' and '_'.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// use runs f with the root unless the store is closed or id is invalid.
func (s *Store) use(op, id string, f func(root *os.Root) error) error {
	if !validID(id) {
		return fmt.Errorf("files: %s: %w: id must be 1 to 64 of A-Z, a-z, 0-9, '-' and '_'", op, livechat.ErrInvalid)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return fmt.Errorf("files: %s %q: %w", op, id, livechat.ErrClosed)
	}
	if err := f(s.root); err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			err = fmt.Errorf("%w (%w)", livechat.ErrNotFound, err)
		case errors.Is(err, fs.ErrExist):
			err = fmt.Errorf("%w (%w)", livechat.ErrConflict, err)
		}
		return fmt.Errorf("files: %s %q: %w", op, id, err)
	}
	return nil
}

// Put stores the bytes read from r under id, all or nothing (see the
// package documentation). Returns livechat.ErrConflict when id is taken,
// livechat.ErrInvalid for a malformed id and livechat.ErrClosed after
// Close; when reading r fails, or ctx ends, it stores nothing and returns
// that error wrapped.
func (s *Store) Put(ctx context.Context, id string, r io.Reader) (int64, error) {
	var n int64
	err := s.use("put", id, func(root *os.Root) error {
		if _, err := root.Lstat(id); err == nil {
			return fs.ErrExist
		}
		var rnd [12]byte
		_, _ = rand.Read(rnd[:])
		tmp := tempPrefix + hex.EncodeToString(rnd[:])
		f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer func() { _ = root.Remove(tmp) }() // after the link, only the temporary name goes
		n, err = io.Copy(f, ctxReader{ctx, r})
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return root.Link(tmp, id)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Open returns the bytes stored under id. Returns livechat.ErrNotFound,
// livechat.ErrInvalid or livechat.ErrClosed. The reader stays usable
// after Close.
func (s *Store) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	var f *os.File
	err := s.use("open", id, func(root *os.Root) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		f, err = root.Open(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Delete removes the bytes stored under id. Returns livechat.ErrNotFound,
// livechat.ErrInvalid or livechat.ErrClosed.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.use("delete", id, func(root *os.Root) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return root.Remove(id)
	})
}

// Close releases the directory; later calls return livechat.ErrClosed.
// Closing twice is not an error.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.root.Close()
}
