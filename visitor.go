package livechat

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"
)

const visitorCookie = "livechat_visitor"

type visitorKey struct{}

func visitorIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(visitorKey{}).(string)
	return id
}

// visitorFromCookie returns the visitor id of a valid token cookie.
// Before a visitor accepts cookies, the widget keeps their token in page
// memory and sends it in a header, or for WebSockets (where browsers set
// no headers) as a subprotocol; never in a URL.
const (
	visitorHeaderPrefix = "Bearer "
	tokenSubprotocol    = "livechat.token."
	// Subprotocol is what the server answers a WebSocket that offers a
	// token as a subprotocol.
	wsSubprotocol = "livechat.v1"
)

func (h *Handler) visitorFromCookie(r *http.Request) (id string, issued time.Time, ok bool) {
	tok := ""
	if ck, err := r.Cookie(visitorCookie); err == nil {
		tok = ck.Value
	} else if a := r.Header.Get("Authorization"); strings.HasPrefix(a, visitorHeaderPrefix) {
		tok = strings.TrimPrefix(a, visitorHeaderPrefix)
	} else {
		for _, p := range r.Header.Values("Sec-WebSocket-Protocol") {
			for _, v := range strings.Split(p, ",") {
				if v = strings.TrimSpace(v); strings.HasPrefix(v, tokenSubprotocol) {
					tok = strings.TrimPrefix(v, tokenSubprotocol)
				}
			}
		}
	}
	if tok == "" {
		return "", time.Time{}, false
	}
	return verifyVisitor(h.cfg.Secret, tok, h.now(), h.cfg.VisitorTokenTTL)
}

// visitorAuth admits requests with a valid visitor token.
func (h *Handler) visitorAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.originAllowed(r) {
			h.fail(w, r, errOriginNotAllowed)
			return
		}
		id, _, ok := h.visitorFromCookie(r)
		if !ok {
			h.fail(w, r, publicf(ErrUnauthorized, "missing or invalid visitor token"))
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), visitorKey{}, id)))
	}
}

func (h *Handler) setVisitorCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name:     visitorCookie,
		Value:    signVisitor(h.cfg.Secret, id, h.now()),
		Path:     mountPath(r),
		MaxAge:   int(h.cfg.VisitorTokenTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

type configRequest struct {
	URL      string `json:"url"`
	Referrer string `json:"referrer"`
	Language string `json:"language"`
	Device   string `json:"device"`
	Preview  string `json:"preview"`
	Identity string `json:"identity"`
	// Cookies false means the visitor has not accepted cookies: the token
	// comes back in the answer for the page to keep in memory.
	Cookies *bool `json:"cookies"`
}

// visitorConfig is the widget's first call on a page view: it identifies
// (or creates) the visitor and says what to show.
func (h *Handler) visitorConfig(w http.ResponseWriter, r *http.Request) {
	if !h.originAllowed(r) {
		h.fail(w, r, errOriginNotAllowed)
		return
	}
	var req configRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	now := h.now().UTC()
	id, issued, ok := h.visitorFromCookie(r)
	// The token goes in a cookie once the visitor accepted cookies (or
	// the host identified them); before that, in the answer only.
	memoryToken := ""
	persist := req.Cookies == nil || *req.Cookies
	issue := func(id string) {
		if persist {
			h.setVisitorCookie(w, r, id)
		} else {
			memoryToken = signVisitor(h.cfg.Secret, id, h.now())
		}
	}
	identified, claims := h.identify(req.Identity)
	if identified != "" {
		persist = true // identified visitors skip the cookie banner
	}
	switch {
	case identified != "" && (!ok || id != identified):
		// A user the host vouches for: the same visitor on every device.
		// A different user in this browser gets a new session, so the
		// previous user's conversations and events stay with them.
		id, ok, issued = identified, true, now
		issue(id)
	case identified == "" && ok && isIdentifiedVisitor(id):
		// Logged out (or the token failed): stop speaking for that user.
		ok = false
	}
	var v *Visitor
	if ok {
		var err error
		v, err = h.store.Visitor(ctx, id)
		if err != nil && !isNotFound(err) {
			h.fail(w, r, err)
			return
		}
	}
	if v == nil {
		if identified == "" {
			if err := h.limitNewVisitor(r); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		if !ok {
			id = newID()
		}
		v = &Visitor{ID: id, CreatedAt: now}
		v.LastSeenAt = now
		v.PageURL = truncate(req.URL, 2048)
		v.Language = visitorLanguage(r, req.Language)
		v.UserAgent = truncate(r.UserAgent(), 512)
		if err := h.store.CreateVisitor(ctx, v); err != nil && !(identified != "" && errors.Is(err, ErrConflict)) {
			h.fail(w, r, err)
			return
		}
		if identified == "" {
			issue(id)
		}
	} else {
		v.LastSeenAt = now
		v.PageURL = truncate(req.URL, 2048)
		if lang := visitorLanguage(r, req.Language); lang != "" {
			v.Language = lang
		}
		if err := h.store.UpdateVisitor(ctx, v); err != nil {
			h.fail(w, r, err)
			return
		}
		// Renewed after a day; moved into the cookie once it may be
		// there (the widget's second call on a chat without a banner).
		if _, err := r.Cookie(visitorCookie); now.Sub(issued) > 24*time.Hour || (persist && err != nil) {
			issue(id)
		}
	}
	if identified != "" {
		if err := h.linkIdentity(ctx, v, claims); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	// The open conversation if there is one, else the latest: a late
	// message in a closed conversation must not hide the open one.
	convs, err := h.store.Conversations(ctx, ConversationFilter{VisitorID: v.ID, Status: StatusOpen, Limit: 1})
	if err == nil && len(convs) == 0 {
		convs, err = h.store.Conversations(ctx, ConversationFilter{VisitorID: v.ID, Limit: 1})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var conv *visitorConversation
	if len(convs) > 0 {
		conv = toVisitorConversation(convs[0])
	}
	chat, err := h.chooseChat(r, v, &req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !persist && memoryToken == "" {
		memoryToken = signVisitor(h.cfg.Secret, v.ID, h.now())
	}
	resp := map[string]any{"protocol": 1, "chat": chat, "conversation": conv, "identified": identified != ""}
	if memoryToken != "" {
		resp["token"] = memoryToken
	}
	writeJSON(w, http.StatusOK, resp)
}

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

// readPage reads one page of messages for the messages endpoints.
func (h *Handler) readPage(r *http.Request, convID string) (msgs []*Message, hasMore bool, err error) {
	after, err := queryInt(r, "after", 0, 0, 1<<53)
	if err != nil {
		return nil, false, err
	}
	limit, err := queryInt(r, "limit", 50, 1, 200)
	if err != nil {
		return nil, false, err
	}
	msgs, err = h.store.Messages(r.Context(), convID, after, int(limit)+1)
	if err != nil {
		return nil, false, err
	}
	if len(msgs) > int(limit) {
		return msgs[:limit], true, nil
	}
	return msgs, false, nil
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

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
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

// visitorLanguage is the language a config request reports: its language
// field, else the browser's first choice in Accept-Language (as the texts
// are chosen), so that routing and agents see the language the chat speaks.
func visitorLanguage(r *http.Request, reported string) string {
	if reported != "" {
		return truncate(reported, 35)
	}
	if tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language")); err == nil && len(tags) > 0 {
		return truncate(tags[0].String(), 35)
	}
	return ""
}
