package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/golivechat/livechat"
)

var _ livechat.PageViewRecorder = (*Store)(nil)

// AddPageView records a page view in the conversation, keeping its newest
// keep. Returns livechat.ErrNotFound or livechat.ErrInvalid.
func (s *Store) AddPageView(ctx context.Context, conversationID string, p livechat.PageView, keep int) error {
	if keep < 1 {
		return fmt.Errorf("memory: keep %d page views: %w", keep, livechat.ErrInvalid)
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[conversationID]
	if !ok {
		return notFound("conversation", conversationID)
	}
	cv.pages = append(cv.pages, p)
	if n := len(cv.pages) - keep; n > 0 {
		cv.pages = slices.Delete(cv.pages, 0, n)
	}
	return nil
}

// PageViews returns the conversation's page views, oldest first. Returns
// livechat.ErrNotFound.
func (s *Store) PageViews(ctx context.Context, conversationID string) ([]livechat.PageView, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	cv, ok := s.convs[conversationID]
	if !ok {
		return nil, notFound("conversation", conversationID)
	}
	return append([]livechat.PageView{}, cv.pages...), nil
}
