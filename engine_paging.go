package livechat

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// maxConversationPage is the most conversations one page holds, and what a
// Limit of 0 means for ConversationPage.
const maxConversationPage = 100

// pageFilter checks f's Limit and returns f set to read the page after
// cursor, with one row more than the page's limit (which it returns),
// which tells whether a next page exists.
func pageFilter(f ConversationFilter, cursor string) (ConversationFilter, int, error) {
	if f.Limit < 0 || f.Limit > maxConversationPage {
		return f, 0, publicf(ErrInvalid, "limit must be from 1 to %d", maxConversationPage)
	}
	limit := f.Limit
	if limit == 0 {
		limit = maxConversationPage
	}
	f.After = nil
	if cursor != "" {
		after, err := decodeCursor(cursor)
		if err != nil {
			return f, 0, err
		}
		f.After = after
	}
	f.Limit = limit + 1
	return f, limit, nil
}

// conversationPage lists one page of conversations; see
// Handler.ConversationPage.
func (e *engine) conversationPage(ctx context.Context, f ConversationFilter, cursor string) (page []*Conversation, next string, err error) {
	f, limit, err := pageFilter(f, cursor)
	if err != nil {
		return nil, "", err
	}
	page, err = e.store.Conversations(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("livechat: list conversations: %w", err)
	}
	if len(page) > limit {
		page = page[:limit]
		next = encodeCursor(f.CursorAfter(page[limit-1]))
	}
	return page, next, nil
}

// cursorJSON is a ConversationCursor as it travels, base64url-encoded.
type cursorJSON struct {
	At time.Time `json:"t"`
	ID string    `json:"id"`
}

func encodeCursor(c *ConversationCursor) string {
	b, err := json.Marshal(cursorJSON{At: c.At.UTC(), ID: c.ID})
	if err != nil {
		panic("livechat: encode cursor: " + err.Error()) // a time outside the years 0-9999
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Cursors the server makes hold a stored time and a conversation id; the
// times storage can hold lie between these (or are zero).
var (
	minCursorTime = time.Unix(0, -1<<63)
	maxCursorTime = time.Unix(0, 1<<63-1)
)

func decodeCursor(s string) (*ConversationCursor, error) {
	bad := publicf(ErrInvalid, "cursor is not one the server returned")
	if len(s) > 256 {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursorJSON
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" {
		return nil, bad
	}
	if !c.At.IsZero() && (c.At.Before(minCursorTime) || c.At.After(maxCursorTime)) {
		return nil, bad
	}
	return &ConversationCursor{At: c.At, ID: c.ID}, nil
}
