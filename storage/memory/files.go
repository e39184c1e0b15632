package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/golivechat/livechat"
)

var _ livechat.FileIndex = (*Store)(nil)

// PutFile stores a new file record. Returns livechat.ErrInvalid for a nil
// file or an empty ID, livechat.ErrNotFound when its conversation does
// not exist and livechat.ErrConflict when the ID is taken.
func (s *Store) PutFile(ctx context.Context, f *livechat.File) error {
	if f == nil || f.ID == "" {
		return fmt.Errorf("memory: file without id: %w", livechat.ErrInvalid)
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.convs[f.ConversationID]; !ok {
		return notFound("conversation", f.ConversationID)
	}
	if _, ok := s.files[f.ID]; ok {
		return fmt.Errorf("memory: file %q: %w", f.ID, livechat.ErrConflict)
	}
	if s.files == nil {
		s.files = make(map[string]*livechat.File)
	}
	c := *f
	s.files[f.ID] = &c
	return nil
}

// File returns the record with the id. Returns livechat.ErrNotFound.
func (s *Store) File(ctx context.Context, id string) (*livechat.File, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	f, ok := s.files[id]
	if !ok {
		return nil, notFound("file", id)
	}
	c := *f
	return &c, nil
}

// DeleteFile removes a record. Returns livechat.ErrNotFound.
func (s *Store) DeleteFile(ctx context.Context, id string) error {
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.files[id]; !ok {
		return notFound("file", id)
	}
	delete(s.files, id)
	return nil
}

// VisitorFiles returns the records of the files of the visitor's
// conversations, oldest first.
func (s *Store) VisitorFiles(ctx context.Context, visitorID string) ([]*livechat.File, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	convs := s.byVisitor[visitorID]
	var out []*livechat.File
	for _, f := range s.files {
		if _, ok := convs[f.ConversationID]; ok {
			c := *f
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *livechat.File) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// eraseFiles deletes the records of the files of convs; s is locked for
// writing.
func (s *Store) eraseFiles(convs map[string]*conversation) {
	for id, f := range s.files {
		if _, ok := convs[f.ConversationID]; ok {
			delete(s.files, id)
		}
	}
}
