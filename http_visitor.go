package livechat

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/golivechat/livechat/consent"
)

func (h *Handler) visitorStart(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL        string `json:"url"`
		Device     string `json:"device"`
		ChatflowID string `json:"chatflowId"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	vid := visitorIDFrom(r.Context())
	flowID, err := h.startingFlow(r, vid, req.ChatflowID, req.URL, req.Device)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, created, err := h.startConversation(r.Context(), vid, req.URL, flowID, func() error { return h.limitNewConversation(r) })
	if isNotFound(err) {
		err = publicf(ErrUnauthorized, "missing or invalid visitor token")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		h.recordImpliedConsent(r.Context(), vid, c)
	}
	writeJSON(w, status, map[string]any{"conversation": toVisitorConversation(c)})
}

// visitorList pages through the visitor's conversations, newest first,
// as agentList does: nothing is cut off silently.
func (h *Handler) visitorList(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit", maxConversationPage, 1, maxConversationPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := ConversationFilter{VisitorID: visitorIDFrom(r.Context()), Limit: int(limit)}
	convs, next, err := h.ConversationPage(r.Context(), f, r.URL.Query().Get("cursor"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]*visitorConversation, 0, len(convs))
	for _, c := range convs {
		out = append(out, toVisitorConversation(c))
	}
	body := map[string]any{"conversations": out}
	if next != "" {
		body["nextCursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

func (h *Handler) visitorMessages(w http.ResponseWriter, r *http.Request) {
	c, err := h.visitorConversationByID(r.Context(), visitorIDFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msgs, more, err := h.readPage(r, c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	marks, err := h.store.ReadMarks(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"conversation": toVisitorConversation(c),
		"messages":     nonNil(aliasMessages(msgs, brandAlias(h.flowFor(r.Context(), c.ChatflowID)))),
		"readMarks":    visitorReadMarks(marks),
		"hasMore":      more,
	})
}

type sendRequest struct {
	ClientMessageID string `json:"clientMessageId"`
	Text            string `json:"text"`
}

func (h *Handler) visitorSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	vid := visitorIDFrom(r.Context())
	if err := h.limitMessage(vid, h.limits.ipKey(r)); err != nil {
		if m := h.resentMessage(r.Context(), r.PathValue("id"), SenderVisitor, vid, req.ClientMessageID); m != nil {
			writeJSON(w, http.StatusOK, map[string]any{"message": m})
			return
		}
		h.fail(w, r, err)
		return
	}
	m, created, err := h.sendAsVisitor(r.Context(), vid, r.PathValue("id"), req.ClientMessageID, req.Text)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"message": m})
}

type readRequest struct {
	Seq int64 `json:"seq"`
}

type typingRequest struct {
	Typing bool `json:"typing"`
}

func (h *Handler) visitorPoll(w http.ResponseWriter, r *http.Request) {
	c, err := h.visitorConversationByID(r.Context(), visitorIDFrom(r.Context()), r.URL.Query().Get("conversationId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.poll(w, r, c, true)
}

// visitorConv resolves the {id} conversation for its visitor.
func (h *Handler) visitorConv(r *http.Request) (*Conversation, error) {
	return h.visitorConversationByID(r.Context(), visitorIDFrom(r.Context()), r.PathValue("id"))
}

func (h *Handler) visitorRead(w http.ResponseWriter, r *http.Request) {
	serveConv(h, w, r, h.visitorConv, func(c *Conversation, req *readRequest) (int, any, error) {
		if err := h.limitSignal(c.VisitorID); err != nil {
			return 0, nil, err
		}
		mark, err := h.markRead(r.Context(), c.ID, participantVisitor, req.Seq)
		return http.StatusOK, map[string]any{"seq": mark.Seq}, err
	})
}

func (h *Handler) visitorTyping(w http.ResponseWriter, r *http.Request) {
	serveConv(h, w, r, h.visitorConv, func(c *Conversation, req *typingRequest) (int, any, error) {
		if err := h.limitSignal(c.VisitorID); err != nil {
			return 0, nil, err
		}
		h.typing(r.Context(), c.ID, participantVisitor, req.Typing)
		return http.StatusNoContent, nil, nil
	})
}

func (h *Handler) visitorQueue(w http.ResponseWriter, r *http.Request) {
	c, err := h.visitorConv(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pos, err := h.queuePosition(r.Context(), c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"position": pos})
}

func (h *Handler) visitorConsent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Kind     string `json:"kind"`
		Granted  bool   `json:"granted"`
		TextHash string `json:"textHash"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	rec, err := h.RecordConsent(r.Context(), visitorIDFrom(r.Context()), req.Kind, req.Granted, req.TextHash)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if consent.Kind(req.Kind) == consent.KindCookies && req.Granted {
		// From now on the token may live in the browser.
		h.setVisitorCookie(w, r, rec.VisitorID)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"consent": rec})
}

// visitorEmail records the email a visitor gave: a known address
// (compared case-insensitively) links the visitor to that contact, an
// unknown one creates a contact. Either way the contact stays unverified
// unless the host verified it, and a visitor sees only their own
// conversations, so typing someone's address reveals nothing of theirs.
func (h *Handler) visitorEmail(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email      string `json:"email"`
		ChatflowID string `json:"chatflowId"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	v, err := h.store.Visitor(ctx, visitorIDFrom(ctx))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v.ContactID != "" {
		if c, err := h.store.Contact(ctx, v.ContactID); err == nil && c.Verified {
			// An identified user keeps the contact the host vouched for.
			writeJSON(w, http.StatusOK, map[string]any{"contact": contactView(c)})
			return
		}
	}
	c, err := h.store.ContactByEmail(ctx, email)
	if isNotFound(err) {
		now := h.now().UTC()
		c = &Contact{ID: newID(), Email: email, CreatedAt: now, UpdatedAt: now}
		if f := h.flowFor(ctx, req.ChatflowID); f != nil && f.Options.Consent.MarketingContacts {
			// The chatflow marks the contacts it creates for marketing.
			c.Properties = map[string]string{MarketingContactProperty: "true"}
		}
		err = h.store.CreateContact(ctx, c)
		if errors.Is(err, ErrConflict) { // created meanwhile
			c, err = h.store.ContactByEmail(ctx, email)
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v.ContactID != c.ID {
		v.ContactID = c.ID
		if err := h.store.UpdateVisitor(ctx, v); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact": contactView(c)})
}

// maxSurveyComment is the longest survey comment, in characters.
const maxSurveyComment = 1000

type surveyRequest struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment"`
}

// visitorSurvey stores the visitor's rating of a closed conversation, once.
func (h *Handler) visitorSurvey(w http.ResponseWriter, r *http.Request) {
	serveConv(h, w, r, h.visitorConv, func(c *Conversation, req *surveyRequest) (int, any, error) {
		if f := h.flowFor(r.Context(), c.ChatflowID); f == nil || f.Options.SurveyID == "" {
			return 0, nil, publicf(ErrInvalid, "this conversation's chat has no survey")
		}
		if c.Status != StatusClosed {
			return 0, nil, publicf(ErrInvalid, "the survey opens when the conversation has ended")
		}
		if req.Rating < 1 || req.Rating > 5 {
			return 0, nil, publicf(ErrInvalid, "rating must be 1 to 5")
		}
		comment := strings.TrimSpace(req.Comment)
		if n := utf8.RuneCountInString(comment); n > maxSurveyComment {
			return 0, nil, publicf(ErrTooLarge, "comment is too long (limit %d characters)", maxSurveyComment)
		}
		a := &SurveyAnswer{ConversationID: c.ID, Rating: req.Rating, Comment: comment, CreatedAt: h.now().UTC()}
		if err := h.store.PutSurvey(r.Context(), a); errors.Is(err, ErrConflict) {
			return 0, nil, fmt.Errorf("%w (%w)", publicf(ErrConflict, "the survey has already been answered"), err)
		} else if err != nil {
			return 0, nil, err
		}
		h.publish(r.Context(), Event{Type: EventSurvey, ConversationID: c.ID, Seq: c.LastSeq, Survey: a})
		return http.StatusCreated, map[string]any{"survey": a}, nil
	})
}
