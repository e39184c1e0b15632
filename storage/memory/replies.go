package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/golivechat/livechat"
)

var _ livechat.SavedReplyStore = (*Store)(nil)

// SavedReplies returns every saved reply, ordered by Shortcut.
func (s *Store) SavedReplies(ctx context.Context) ([]*livechat.SavedReply, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]*livechat.SavedReply, 0, len(s.replies))
	for _, r := range s.replies {
		cp := *r
		out = append(out, &cp)
	}
	slices.SortFunc(out, func(a, b *livechat.SavedReply) int { return cmp.Compare(a.Shortcut, b.Shortcut) })
	return out, nil
}

// CreateSavedReply stores a new saved reply. Returns livechat.ErrConflict
// when the id or the shortcut is taken.
func (s *Store) CreateSavedReply(ctx context.Context, r *livechat.SavedReply) error {
	if r == nil || r.ID == "" {
		return nilArg("saved reply")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.replies[r.ID]; ok {
		return fmt.Errorf("memory: saved reply %q: %w", r.ID, livechat.ErrConflict)
	}
	if err := s.shortcutFree(r); err != nil {
		return err
	}
	if s.replies == nil {
		s.replies = make(map[string]*livechat.SavedReply)
	}
	cp := *r
	s.replies[r.ID] = &cp
	return nil
}

// UpdateSavedReply replaces a saved reply's shortcut, text and time.
// Returns livechat.ErrNotFound, or livechat.ErrConflict when another
// saved reply has the shortcut.
func (s *Store) UpdateSavedReply(ctx context.Context, r *livechat.SavedReply) error {
	if r == nil {
		return nilArg("saved reply")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.replies[r.ID]; !ok {
		return notFound("saved reply", r.ID)
	}
	if err := s.shortcutFree(r); err != nil {
		return err
	}
	cp := *r
	s.replies[r.ID] = &cp
	return nil
}

// shortcutFree reports a conflict when another saved reply than r has r's
// shortcut; s.mu is held.
func (s *Store) shortcutFree(r *livechat.SavedReply) error {
	for _, o := range s.replies {
		if o.ID != r.ID && o.Shortcut == r.Shortcut {
			return fmt.Errorf("memory: saved reply shortcut %q: %w", r.Shortcut, livechat.ErrConflict)
		}
	}
	return nil
}

// DeleteSavedReply removes a saved reply. Returns livechat.ErrNotFound.
func (s *Store) DeleteSavedReply(ctx context.Context, id string) error {
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.replies[id]; !ok {
		return notFound("saved reply", id)
	}
	delete(s.replies, id)
	return nil
}
