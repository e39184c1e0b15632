package livechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// SavedReply is a text the team reuses: agents find it in the inbox's
// composer by typing "/" and its shortcut, and edit it before sending.
// Saved replies are shared by every agent; agents with
// PermissionManageReplies create, edit and delete them.
type SavedReply struct {
	ID string `json:"id"`
	// Shortcut is 1 to 32 characters of a-z, 0-9, "-" and "_", unique
	// among the saved replies.
	Shortcut  string    `json:"shortcut"`
	Text      string    `json:"text"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// PermissionManageReplies lets an agent create, edit and delete the
// team's saved replies; every agent uses them.
const PermissionManageReplies = "manage_replies"

// SavedReplyStore is an optional interface of a Storage: the team's saved
// replies. With a Storage without it, the inbox lists none and creating
// one is refused with ErrConflict. The storage/storagetest suite checks it
// for every Storage that has it.
type SavedReplyStore interface {
	// SavedReplies returns every saved reply, ordered by Shortcut.
	SavedReplies(ctx context.Context) ([]*SavedReply, error)
	// CreateSavedReply stores a new saved reply. Returns ErrConflict when
	// the ID is taken or another saved reply has the same Shortcut
	// (compared byte for byte), ErrInvalid for a nil reply or an empty
	// ID.
	CreateSavedReply(ctx context.Context, r *SavedReply) error
	// UpdateSavedReply replaces the Shortcut, Text and UpdatedAt of a
	// stored saved reply. Returns ErrNotFound, or ErrConflict when
	// another saved reply has the Shortcut; nothing changes on an error.
	UpdateSavedReply(ctx context.Context, r *SavedReply) error
	// DeleteSavedReply removes the saved reply with the id. Returns
	// ErrNotFound.
	DeleteSavedReply(ctx context.Context, id string) error
}

// Limits of saved replies: a shortcut's length and how many the team
// keeps. A reply's text follows the rules of a message's text
// (Config.MaxMessageLength), since it is sent as one.
const (
	maxShortcutLen  = 32
	maxSavedReplies = 500
)

var (
	errRepliesForbidden = publicf(ErrForbidden, `managing saved replies needs the "manage_replies" permission`)
	errRepliesNoStore   = publicf(ErrConflict, "this Storage cannot keep saved replies")
	errReplyNotFound    = publicf(ErrNotFound, "no such saved reply")
	errShortcutTaken    = publicf(ErrConflict, "a saved reply with this shortcut exists")
	errBadShortcut      = publicf(ErrInvalid, "shortcut must be 1 to 32 characters of a-z, 0-9, - and _")
	errTooManyReplies   = publicf(ErrConflict, "there are 500 saved replies, the most there can be: delete one first")
)

// replyStore is the Storage's SavedReplyStore, or nil.
func (h *server) replyStore() SavedReplyStore {
	rs, _ := h.store.(SavedReplyStore)
	return rs
}

func validShortcut(s string) bool {
	if len(s) == 0 || len(s) > maxShortcutLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

type replyRequest struct {
	Shortcut string `json:"shortcut"`
	Text     string `json:"text"`
}

// check validates a saved reply's shortcut and text, shortcut first.
func (h *agentAPI) checkReply(req *replyRequest) error {
	if !validShortcut(req.Shortcut) {
		return errBadShortcut
	}
	return h.eng.checkText(req.Text)
}

// replyManager runs next for agents who may manage saved replies, with a
// Storage that keeps them.
func (h *agentAPI) replyManager(next func(w http.ResponseWriter, r *http.Request, rs SavedReplyStore)) http.HandlerFunc {
	return h.agentAuth(func(w http.ResponseWriter, r *http.Request) {
		if !agentFrom(r.Context()).Can(PermissionManageReplies) {
			h.fail(w, r, errRepliesForbidden)
			return
		}
		rs := h.replyStore()
		if rs == nil {
			h.fail(w, r, errRepliesNoStore)
			return
		}
		next(w, r, rs)
	})
}

// agentReplies is GET api/v1/agent/replies: every agent uses them.
func (h *agentAPI) agentReplies(w http.ResponseWriter, r *http.Request) {
	replies := []*SavedReply{}
	rs := h.replyStore()
	if rs != nil {
		var err error
		if replies, err = rs.SavedReplies(r.Context()); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"replies":   nonNil(replies),
		"canManage": rs != nil && agentFrom(r.Context()).Can(PermissionManageReplies),
	})
}

func (h *agentAPI) replyCreate(w http.ResponseWriter, r *http.Request, rs SavedReplyStore) {
	var req replyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.checkReply(&req); err != nil {
		h.fail(w, r, err)
		return
	}
	all, err := rs.SavedReplies(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(all) >= maxSavedReplies {
		h.fail(w, r, errTooManyReplies)
		return
	}
	reply := &SavedReply{ID: newID(), Shortcut: req.Shortcut, Text: req.Text, UpdatedAt: h.now().UTC()}
	if err := rs.CreateSavedReply(r.Context(), reply); err != nil {
		h.fail(w, r, replyConflict(err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"reply": reply})
}

func (h *agentAPI) replyUpdate(w http.ResponseWriter, r *http.Request, rs SavedReplyStore) {
	var req replyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if !validID(id) {
		h.fail(w, r, errReplyNotFound)
		return
	}
	if err := h.checkReply(&req); err != nil {
		h.fail(w, r, err)
		return
	}
	reply := &SavedReply{ID: id, Shortcut: req.Shortcut, Text: req.Text, UpdatedAt: h.now().UTC()}
	if err := rs.UpdateSavedReply(r.Context(), reply); err != nil {
		h.fail(w, r, replyConflict(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reply": reply})
}

func (h *agentAPI) replyDelete(w http.ResponseWriter, r *http.Request, rs SavedReplyStore) {
	id := r.PathValue("id")
	if !validID(id) {
		h.fail(w, r, errReplyNotFound)
		return
	}
	if err := rs.DeleteSavedReply(r.Context(), id); err != nil {
		h.fail(w, r, replyConflict(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// replyConflict words the Storage's refusals of a saved reply.
func replyConflict(err error) error {
	switch {
	case errors.Is(err, ErrConflict):
		return fmt.Errorf("%w (%w)", errShortcutTaken, err)
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w (%w)", errReplyNotFound, err)
	}
	return err
}
