package livechat

import (
	"context"
	"fmt"
	"net/http"
)

// PermissionManageData lets an agent export and erase what is stored about
// a visitor or contact.
const PermissionManageData = "manage_data"

// Export is everything stored about one visitor: what a data request
// returns.
type Export struct {
	Visitor       *Visitor             `json:"visitor"`
	Contact       *Contact             `json:"contact,omitempty"`
	Conversations []ExportConversation `json:"conversations"`
	Consents      []*ConsentRecord     `json:"consents"`
}

// ExportConversation is one conversation with all its messages.
type ExportConversation struct {
	Conversation *Conversation `json:"conversation"`
	Messages     []*Message    `json:"messages"`
	ReadMarks    []ReadMark    `json:"readMarks"`
	Survey       *SurveyAnswer `json:"survey,omitempty"`
}

// ExportVisitor gathers everything stored about a visitor. Returns
// ErrNotFound.
func (h *Handler) ExportVisitor(ctx context.Context, visitorID string) (*Export, error) {
	v, err := h.store.Visitor(ctx, visitorID)
	if err != nil {
		return nil, err
	}
	out := &Export{Visitor: v, Conversations: []ExportConversation{}}
	if v.ContactID != "" {
		if c, err := h.store.Contact(ctx, v.ContactID); err == nil {
			out.Contact = c
		} else if !isNotFound(err) {
			return nil, err
		}
	}
	convs, err := h.store.Conversations(ctx, ConversationFilter{VisitorID: visitorID, Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	for _, c := range convs {
		ec := ExportConversation{Conversation: c, Messages: []*Message{}}
		for after := int64(0); ; {
			page, err := h.store.Messages(ctx, c.ID, after, 500)
			if err != nil {
				return nil, err
			}
			ec.Messages = append(ec.Messages, page...)
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].Seq
		}
		if ec.ReadMarks, err = h.store.ReadMarks(ctx, c.ID); err != nil {
			return nil, err
		}
		if s, err := h.store.Survey(ctx, c.ID); err == nil {
			ec.Survey = s
		} else if !isNotFound(err) {
			return nil, err
		}
		out.Conversations = append(out.Conversations, ec)
	}
	if out.Consents, err = h.store.Consents(ctx, visitorID); err != nil {
		return nil, err
	}
	return out, nil
}

// EraseVisitor deletes everything stored about a visitor: conversations,
// messages, read marks, survey answers, and consent records older than
// Config.ConsentRetention; with contact true, also the contact linked to
// them. Their live connections are closed. Returns ErrNotFound for an
// unknown visitor.
func (h *Handler) EraseVisitor(ctx context.Context, visitorID string, contact bool) error {
	v, err := h.store.Visitor(ctx, visitorID)
	if err != nil {
		return err
	}
	if err := h.store.EraseVisitor(ctx, visitorID, h.now().Add(-h.cfg.ConsentRetention)); err != nil {
		return fmt.Errorf("livechat: erase visitor: %w", err)
	}
	if contact && v.ContactID != "" {
		if err := h.store.EraseContact(ctx, v.ContactID); err != nil && !isNotFound(err) {
			return fmt.Errorf("livechat: erase contact: %w", err)
		}
	}
	h.hub.closeVisitor(visitorID)
	return nil
}

// closeVisitor ends a visitor's live connections.
func (h *hub) closeVisitor(visitorID string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.all {
		if c.visitorID == visitorID {
			c.conn.Close(4401, "erased")
		}
	}
}

// dataAuth admits agents the host lets handle data requests.
func (h *Handler) dataAuth(next http.HandlerFunc) http.HandlerFunc {
	return h.agentAuth(func(w http.ResponseWriter, r *http.Request) {
		if !agentFrom(r.Context()).Can(PermissionManageData) {
			h.fail(w, r, publicf(ErrForbidden, `data requests need the "manage_data" permission`))
			return
		}
		next(w, r)
	})
}

func (h *Handler) adminExport(w http.ResponseWriter, r *http.Request) {
	exp, err := h.ExportVisitor(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="visitor-export.json"`)
	writeJSON(w, http.StatusOK, exp)
}

func (h *Handler) adminErase(w http.ResponseWriter, r *http.Request) {
	if err := h.EraseVisitor(r.Context(), r.PathValue("id"), r.URL.Query().Get("contact") == "true"); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
