package livechat

import (
	"net/http"

	"github.com/golivechat/livechat/consent"
)

func (h *visitorAPI) visitorStart(w http.ResponseWriter, r *http.Request) {
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
	flowID, err := h.chooser.startingFlow(r.Context(), vid, req.ChatflowID, req.URL, req.Device, h.canManageFlows(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, created, err := h.eng.startConversation(r.Context(), vid, req.URL, flowID, func() error { return h.limits.newConversation(r) })
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
		h.eng.recordImpliedConsent(r.Context(), vid, c)
	}
	writeJSON(w, status, map[string]any{"conversation": toVisitorConversation(c)})
}

// visitorList pages through the visitor's conversations, newest first,
// as agentList does: nothing is cut off silently.
func (h *visitorAPI) visitorList(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit", maxConversationPage, 1, maxConversationPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := ConversationFilter{VisitorID: visitorIDFrom(r.Context()), Limit: int(limit)}
	convs, next, err := h.eng.conversationPage(r.Context(), f, r.URL.Query().Get("cursor"))
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

func (h *visitorAPI) visitorMessages(w http.ResponseWriter, r *http.Request) {
	c, err := h.eng.visitorConversationByID(r.Context(), visitorIDFrom(r.Context()), r.PathValue("id"))
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
		"messages":     visitorMessages(msgs, brandAlias(h.flows.flowFor(r.Context(), c.ChatflowID))),
		"readMarks":    visitorReadMarks(marks),
		"hasMore":      more,
		"seq":          pageSeq(c, msgs, more),
	})
}

type sendRequest struct {
	ClientMessageID string `json:"clientMessageId"`
	Text            string `json:"text"`
}

func (h *visitorAPI) visitorSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	vid := visitorIDFrom(r.Context())
	if err := h.limits.message(vid, h.limits.ipKey(r)); err != nil {
		if m := h.eng.resentMessage(r.Context(), r.PathValue("id"), SenderVisitor, vid, req.ClientMessageID); m != nil {
			writeJSON(w, http.StatusOK, map[string]any{"message": m})
			return
		}
		h.fail(w, r, err)
		return
	}
	m, created, err := h.eng.sendAsVisitor(r.Context(), vid, r.PathValue("id"), req.ClientMessageID, req.Text)
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

func (h *visitorAPI) visitorPoll(w http.ResponseWriter, r *http.Request) {
	c, err := h.eng.visitorConversationByID(r.Context(), visitorIDFrom(r.Context()), r.URL.Query().Get("conversationId"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.poll(w, r, c, true)
}

// visitorConv resolves the {id} conversation for its visitor.
func (h *visitorAPI) visitorConv(r *http.Request) (*Conversation, error) {
	return h.eng.visitorConversationByID(r.Context(), visitorIDFrom(r.Context()), r.PathValue("id"))
}

func (h *visitorAPI) visitorRead(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.visitorConv, func(c *Conversation, req *readRequest) (int, any, error) {
		if err := h.limits.signal(c.VisitorID); err != nil {
			return 0, nil, err
		}
		mark, err := h.eng.markRead(r.Context(), c.ID, participantVisitor, req.Seq)
		return http.StatusOK, map[string]any{"seq": mark.Seq}, err
	})
}

func (h *visitorAPI) visitorTyping(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.visitorConv, func(c *Conversation, req *typingRequest) (int, any, error) {
		if err := h.limits.signal(c.VisitorID); err != nil {
			return 0, nil, err
		}
		h.eng.typing(r.Context(), c.ID, participantVisitor, req.Typing)
		return http.StatusNoContent, nil, nil
	})
}

func (h *visitorAPI) visitorQueue(w http.ResponseWriter, r *http.Request) {
	c, err := h.visitorConv(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pos, err := h.routing.queuePosition(r.Context(), c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"position": pos})
}

func (h *visitorAPI) visitorConsent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Kind     string `json:"kind"`
		Granted  bool   `json:"granted"`
		TextHash string `json:"textHash"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	rec, err := h.eng.recordConsent(r.Context(), visitorIDFrom(r.Context()), req.Kind, req.Granted, req.TextHash)
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

// visitorEmail records the email a visitor gave (see
// visitors.captureEmail) and answers what the visitor may see of their
// contact.
func (h *visitorAPI) visitorEmail(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email      string `json:"email"`
		ChatflowID string `json:"chatflowId"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	id := visitorIDFrom(r.Context())
	c, err := h.visitors.captureEmail(r.Context(), id, req.Email, req.ChatflowID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !ownContact(&Visitor{ID: id}, c) {
		// The address they typed, never the shared contact's.
		email, _ := normalizeEmail(req.Email)
		c = &Contact{Email: email}
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact": contactView(c)})
}

type surveyRequest struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment"`
}

// visitorSurvey stores the visitor's rating of a closed conversation, once.
func (h *visitorAPI) visitorSurvey(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.visitorConv, func(c *Conversation, req *surveyRequest) (int, any, error) {
		a, err := h.visitors.answerSurvey(r.Context(), c, req.Rating, req.Comment)
		return http.StatusCreated, map[string]any{"survey": a}, err
	})
}
