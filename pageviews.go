package livechat

import (
	"context"
	"time"
)

// PageView is a page a visitor viewed while a conversation of theirs was
// open: the URL the widget reported (at most 2,048 bytes) and when.
type PageView struct {
	URL string    `json:"url"`
	At  time.Time `json:"at"`
}

// PageViewRecorder is an optional interface of a Storage: the pages a
// visitor viewed while their conversation was open, which the inbox's
// side panel lists. With a Storage without it the panel shows where the
// visitor started the conversation and the page they are on now. The
// storage/storagetest suite checks it for every Storage that has it.
// EraseVisitor deletes a visitor's page views with their conversations.
type PageViewRecorder interface {
	// AddPageView records a page view in the conversation and keeps only
	// its newest keep page views, deleting older ones. Returns
	// ErrNotFound for an unknown conversation, ErrInvalid for keep below
	// 1.
	AddPageView(ctx context.Context, conversationID string, p PageView, keep int) error
	// PageViews returns the conversation's page views, oldest first (in
	// the order they were added). Returns ErrNotFound for an unknown
	// conversation.
	PageViews(ctx context.Context, conversationID string) ([]PageView, error)
}

// maxPageViews is how many page views of a conversation are kept.
const maxPageViews = 50

// maxPageURL is the longest page URL stored, in bytes.
const maxPageURL = 2048

// recordPageView records that the visitor of the open conversation
// conversationID viewed pageURL now, when the Storage keeps page views.
// A failure is logged: the page view itself goes on.
func (vs *visitors) recordPageView(ctx context.Context, conversationID, pageURL string) {
	pr, ok := vs.store.(PageViewRecorder)
	if !ok || pageURL == "" {
		return
	}
	p := PageView{URL: truncate(pageURL, maxPageURL), At: vs.now().UTC()}
	if err := pr.AddPageView(ctx, conversationID, p, maxPageViews); err != nil && !isNotFound(err) {
		vs.cfg.Logger.Error("livechat: recording a page view failed", "conversation", conversationID, "err", err)
	}
}
