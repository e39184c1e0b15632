package livechat

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// The inbox's side panel: what is known about a conversation's visitor,
// and the agents' edits of their contact.

// maxEarlierConversations is how many of a visitor's other conversations
// the side panel lists, newest first.
const maxEarlierConversations = 20

// maxPanelConsents is how many of a visitor's consent records the side
// panel lists, the newest.
const maxPanelConsents = 20

// panelContact is a contact as the side panel shows and edits it.
type panelContact struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Email      string            `json:"email"`
	Verified   bool              `json:"verified"`
	OwnerID    string            `json:"ownerId"`
	Properties map[string]string `json:"properties"`
	// Version is what an edit sends back in If-Match.
	Version string `json:"version"`
	// ReadOnly names the fields agents may not change here.
	ReadOnly  []string  `json:"readOnly"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func toPanelContact(v *Visitor, c *Contact) *panelContact {
	ro := contactReadOnly(v, c)
	shown := vouchedFor(v, c)
	props := shown.Properties
	if props == nil {
		props = map[string]string{}
	}
	return &panelContact{ID: c.ID, Name: shown.Name, Email: shown.Email, Verified: shown.Verified, OwnerID: shown.OwnerID,
		Properties: props, Version: contactVersion(c), ReadOnly: ro, UpdatedAt: c.UpdatedAt}
}

// panelConversation is one of the visitor's other conversations.
type panelConversation struct {
	ID         string             `json:"id"`
	Status     ConversationStatus `json:"status"`
	ChatflowID string             `json:"chatflowId,omitempty"`
	LastSeq    int64              `json:"lastSeq"`
	CreatedAt  time.Time          `json:"createdAt"`
	UpdatedAt  time.Time          `json:"updatedAt"`
}

// panelConsent is a consent record as agents see it.
type panelConsent struct {
	Kind    string    `json:"kind"`
	Granted bool      `json:"granted"`
	At      time.Time `json:"at"`
}

// agentVisitor answers what the side panel shows beside a conversation.
func (h *agentAPI) agentVisitor(w http.ResponseWriter, r *http.Request) {
	c, err := h.agentConversation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, err := h.panel(r.Context(), c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (h *agentAPI) panel(ctx context.Context, c *Conversation) (map[string]any, error) {
	body := map[string]any{"visitor": nil, "contact": nil, "chatflow": nil, "survey": nil}
	v, err := h.store.Visitor(ctx, c.VisitorID)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	pages := []PageView{}
	if v != nil {
		body["visitor"] = map[string]any{"id": v.ID, "pageUrl": v.PageURL, "language": v.Language, "lastSeenAt": v.LastSeenAt, "identified": isIdentifiedVisitor(v.ID)}
		if v.ContactID != "" {
			ct, err := h.store.Contact(ctx, v.ContactID)
			if err == nil {
				body["contact"] = toPanelContact(v, ct)
			} else if !isNotFound(err) {
				return nil, err
			}
		}
		if pages, err = h.pagesSeen(ctx, c, v); err != nil {
			return nil, err
		}
	}
	body["pages"] = pages
	if cf := h.flows.flowFor(ctx, c.ChatflowID); cf != nil {
		body["chatflow"] = map[string]string{"id": cf.ID, "name": cf.Name}
	} else if c.ChatflowID != "" {
		body["chatflow"] = map[string]string{"id": c.ChatflowID, "name": c.ChatflowID}
	}
	recs, err := h.store.Consents(ctx, c.VisitorID)
	if err != nil {
		return nil, err
	}
	recs = recs[max(0, len(recs)-maxPanelConsents):]
	consents := make([]panelConsent, 0, len(recs))
	for i := len(recs) - 1; i >= 0; i-- {
		consents = append(consents, panelConsent{Kind: recs[i].Kind, Granted: recs[i].Granted, At: recs[i].At})
	}
	body["consents"] = consents
	if a, err := h.store.Survey(ctx, c.ID); err == nil {
		body["survey"] = a
	} else if !isNotFound(err) {
		return nil, err
	}
	convs, err := h.store.Conversations(ctx, ConversationFilter{VisitorID: c.VisitorID, Limit: maxEarlierConversations + 1})
	if err != nil {
		return nil, err
	}
	others := make([]panelConversation, 0, len(convs))
	for _, o := range convs {
		if o.ID != c.ID && len(others) < maxEarlierConversations {
			others = append(others, panelConversation{ID: o.ID, Status: o.Status, ChatflowID: o.ChatflowID, LastSeq: o.LastSeq, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt})
		}
	}
	body["conversations"] = others
	return body, nil
}

// agentContact stores an agent's edit of the contact of a conversation's
// visitor (see visitors.editContact), creating the contact when the
// visitor has none.
func (h *agentAPI) agentContact(w http.ResponseWriter, r *http.Request) {
	var req contactEdit
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.agentConversation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	version := strings.Trim(strings.TrimPrefix(strings.TrimSpace(r.Header.Get("If-Match")), "W/"), `"`)
	ct, created, err := h.visitors.editContact(r.Context(), c.VisitorID, version, &req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.store.Visitor(r.Context(), c.VisitorID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("ETag", `"`+contactVersion(ct)+`"`)
	writeJSON(w, status, map[string]any{"contact": toPanelContact(v, ct), "visitorName": visitorName(v.ID, vouchedFor(v, ct))})
}

// pagesSeen lists the pages visitor v viewed in conversation c, oldest
// first: where they started it, then the page views the Storage recorded
// (see PageViewRecorder), or, with a Storage that records none, the page
// they are on now.
func (h *agentAPI) pagesSeen(ctx context.Context, c *Conversation, v *Visitor) ([]PageView, error) {
	pages := []PageView{}
	if c.PageURL != "" {
		pages = append(pages, PageView{URL: c.PageURL, At: c.CreatedAt})
	}
	if pr, ok := h.store.(PageViewRecorder); ok {
		views, err := pr.PageViews(ctx, c.ID)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		return append(pages, views...), nil
	}
	if v.PageURL != "" && v.PageURL != c.PageURL && v.LastSeenAt.After(c.CreatedAt) {
		pages = append(pages, PageView{URL: v.PageURL, At: v.LastSeenAt})
	}
	return pages, nil
}
