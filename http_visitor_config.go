package livechat

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/internal/origin"
	"github.com/golivechat/livechat/invalid"
	"golang.org/x/text/language"
)

type configRequest struct {
	URL      string `json:"url"`
	Referrer string `json:"referrer"`
	Language string `json:"language"`
	Device   string `json:"device"`
	Preview  string `json:"preview"`
	// Draft is an unsaved chatflow to show in place of the stored one
	// Preview names (see previewDraft), as sent.
	Draft    json.RawMessage `json:"draft,omitempty"`
	Identity string          `json:"identity"`
	// Cookies false means the visitor has not accepted cookies: the token
	// comes back in the answer for the page to keep in memory.
	Cookies *bool `json:"cookies"`
}

// configAnswer is the config call's answer, its fields in the order of
// their names as PROTOCOL.md shows them.
type configAnswer struct {
	Chat         *launcherChat        `json:"chat"`
	Conversation *visitorConversation `json:"conversation"`
	Identified   bool                 `json:"identified"`
	Protocol     int                  `json:"protocol"`
	// Token is the visitor's token before they accepted cookies.
	Token string `json:"token,omitempty"`
}

// visitorConfig is the widget's first call on a page view: it identifies
// (or creates) the visitor and says what to show.
func (h *visitorAPI) visitorConfig(w http.ResponseWriter, r *http.Request) {
	if !origin.Allowed(r, h.cfg.AllowedOrigins) {
		h.fail(w, r, errOriginNotAllowed)
		return
	}
	var req configRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	// A draft is checked before anything is stored: a refused one changes
	// nothing.
	draft, manager, err := h.previewDraft(r, req.Preview, req.Draft)
	if err != nil {
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
	identified, claims := identify(h.cfg.Identity, h.log, req.Identity)
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
	moved := false // a known visitor on another page than the last
	if ok {
		var err error
		if v, err = h.visitors.find(ctx, id); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if v == nil {
		if identified == "" {
			if err := h.limits.newVisitor(r); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		if !ok {
			id = newID()
		}
		var err error
		v, err = h.visitors.create(ctx, &Visitor{ID: id, PageURL: req.URL, Language: visitorLanguage(r, req.Language), UserAgent: r.UserAgent()}, identified != "")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if identified == "" {
			issue(id)
		}
	} else {
		moved = v.PageURL != truncate(req.URL, maxPageURL)
		if err := h.visitors.touch(ctx, v, req.URL, visitorLanguage(r, req.Language)); err != nil {
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
		if err := h.visitors.linkIdentity(ctx, v, claims); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	current, err := h.visitors.current(ctx, v.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if moved && current != nil && current.Status == StatusOpen {
		h.visitors.recordPageView(ctx, current.ID, req.URL)
	}
	var conv *visitorConversation
	if current != nil {
		conv = toVisitorConversation(current)
		if current.Status == StatusClosed {
			// The launcher's badge, without the chat (which counts for an
			// open conversation itself).
			// A conversation erased meanwhile has nothing unread.
			if conv.Unread, err = h.unread(ctx, current); err != nil && !isNotFound(err) {
				h.fail(w, r, err)
				return
			}
		}
	}
	chat, err := h.chooser.chooseLauncher(ctx, v, &pageView{
		URL: req.URL, Device: req.Device, Language: req.Language, AcceptLanguage: r.Header.Get("Accept-Language"),
		Preview: req.Preview, Draft: draft, Manager: manager, Host: hostName(r.Host),
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !persist && memoryToken == "" {
		memoryToken = signVisitor(h.cfg.Secret, v.ID, h.now())
	}
	resp := &configAnswer{Chat: chat, Conversation: conv, Identified: identified != "", Protocol: 1, Token: memoryToken}
	// Without a conversation or a token the answer is the same for every
	// visitor shown the same launcher: its compressed form is kept.
	writeJSONCompressed(w, r, http.StatusOK, resp, conv == nil && memoryToken == "" && draft == nil)
}

// unreadLimit is the most unread messages the config answer counts; the
// badge shows "99+" from 100.
const unreadLimit = 200

// unread counts the messages of c past the visitor's read mark that others
// wrote, at most unreadLimit.
func (h *visitorAPI) unread(ctx context.Context, c *Conversation) (int, error) {
	if c.LastSeq == 0 {
		return 0, nil
	}
	marks, err := h.store.ReadMarks(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	var from int64
	for _, m := range marks {
		if m.Participant == participantVisitor {
			from = m.Seq
		}
	}
	if from >= c.LastSeq {
		return 0, nil
	}
	msgs, err := h.store.Messages(ctx, c.ID, from, unreadLimit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range msgs {
		if m.Sender != SenderVisitor && forVisitor(m) {
			n++
		}
	}
	return n, nil
}

type chatRequest struct {
	URL      string          `json:"url"`
	Language string          `json:"language"`
	Device   string          `json:"device"`
	Preview  string          `json:"preview"`
	Draft    json.RawMessage `json:"draft,omitempty"`
}

// visitorChat is the widget's call when the chat itself loads: the same
// choice of chatflow as the config call, with everything the open chat
// needs (texts, consent, email capture, survey, Help tab, header).
func (h *visitorAPI) visitorChat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	draft, manager, err := h.previewDraft(r, req.Preview, req.Draft)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	v, err := h.visitors.find(ctx, visitorIDFrom(ctx))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	chat, err := h.chooser.chooseChat(ctx, v, &pageView{
		URL: req.URL, Device: req.Device, Language: req.Language, AcceptLanguage: r.Header.Get("Accept-Language"),
		Preview: req.Preview, Draft: draft, Manager: manager, Host: hostName(r.Host),
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSONCompressed(w, r, http.StatusOK, map[string]any{"chat": chat}, draft == nil)
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

var (
	errDraftWithoutPreview = publicf(ErrInvalid, `draft needs "preview": the id of the chatflow it stands in for`)
	errDraftForbidden      = publicf(ErrForbidden, `a draft chatflow is shown only to agents with the "manage_chatflows" permission`)
)

// previewDraft reads the unsaved chatflow a preview's config or chat call
// may carry, so that the editor's preview shows a draft without storing
// it: every request brings the whole draft, and any node can answer it. A
// draft needs preview (whose id it takes) and an agent allowed to manage
// chatflows; it is parsed and validated as the admin API does, its
// problems reported under "draft". manager says whether the request may
// preview (asked of AgentAuth only for a preview); draft is nil when the
// request carries none.
func (h *visitorAPI) previewDraft(r *http.Request, preview string, doc json.RawMessage) (draft *flow.Chatflow, manager bool, err error) {
	manager = preview != "" && h.canManageFlows(r)
	if len(doc) == 0 || string(doc) == "null" {
		return nil, manager, nil
	}
	switch {
	case preview == "":
		return nil, false, errDraftWithoutPreview
	case !manager:
		return nil, false, errDraftForbidden
	}
	// flow.Parse reads the draft as sent, as the admin API reads a body.
	f, err := flow.Parse(doc)
	if err != nil {
		var fe invalid.Fields
		if !errors.As(err, &fe) {
			return nil, false, asInvalidFlow(err)
		}
		out := make(invalid.Fields, len(fe))
		for i, p := range fe {
			out[i] = invalid.Field{Path: "draft", Message: p.Message}
			if p.Path != "" {
				out[i].Path += "." + p.Path
			}
		}
		return nil, false, &invalidFlow{msg: out.Error(), fields: out}
	}
	f.ID = preview
	return f, true, nil
}

// canManageFlows reports whether the request comes from an agent allowed to
// manage chatflows; it never fails the request.
func (h *visitorAPI) canManageFlows(r *http.Request) bool {
	if h.cfg.AgentAuth == nil {
		return false
	}
	a, err := h.cfg.AgentAuth(r)
	return err == nil && a != nil && a.Can(PermissionManageChatflows)
}

// hostName is a request's host without its port.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}
