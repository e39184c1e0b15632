package livechat

import (
	"context"
	"net"
	"net/http"
	"slices"

	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/targeting"
)

// chooseChat picks the chatflow for a page view: the preview the request
// names when an agent who manages chatflows asks, else the published
// chatflow with the highest priority whose targeting matches the page and
// what the server knows of the visitor. It returns nil for no chat.
func (h *Handler) chooseChat(r *http.Request, v *Visitor, req *configRequest) (*chatConfig, error) {
	ctx := r.Context()
	set, err := h.flowSet(ctx)
	if err != nil {
		return nil, err
	}
	if req.Preview != "" && h.canManageFlows(r) {
		if cf := set.byID[req.Preview]; cf != nil {
			c, err := h.publicChat(r, cf.flow, v, req)
			if c != nil {
				c.Preview = true
			}
			return c, err
		}
	}
	tc, err := h.targetContact(ctx, v)
	if err != nil {
		return nil, err
	}
	view := targeting.NewView(req.URL, req.Device, tc)
	id, ok := set.selector.Select(view)
	if !ok {
		return nil, nil
	}
	return h.publicChat(r, set.byID[id].flow, v, req)
}

// startingFlow checks the chatflow a visitor says a conversation starts
// from: it must be published and its targeting must match the page and the
// visitor, as the config call would have found; or be a preview for an
// agent who manages chatflows. Anything else starts the conversation
// without a chatflow rather than trusting the client.
func (h *Handler) startingFlow(r *http.Request, visitorID, chatflowID, pageURL, device string) (string, error) {
	if chatflowID == "" {
		return "", nil
	}
	set, err := h.flowSet(r.Context())
	if err != nil {
		return "", err
	}
	cf := set.byID[chatflowID]
	if cf == nil {
		return "", nil
	}
	if h.canManageFlows(r) {
		return chatflowID, nil
	}
	if !cf.flow.Enabled {
		return "", nil
	}
	v, err := h.store.Visitor(r.Context(), visitorID)
	if err != nil {
		return "", err
	}
	tc, err := h.targetContact(r.Context(), v)
	if err != nil {
		return "", err
	}
	if !cf.matcher.Match(targeting.NewView(pageURL, device, tc)) {
		return "", nil
	}
	return chatflowID, nil
}

// targetContact is what targeting may know of a visitor: the properties of
// their contact, from the server's own records.
func (h *Handler) targetContact(ctx context.Context, v *Visitor) (*targeting.Contact, error) {
	if v == nil || v.ContactID == "" {
		return nil, nil
	}
	c, err := h.store.Contact(ctx, v.ContactID)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &targeting.Contact{Properties: c.Properties}, nil
}

// canManageFlows reports whether the request comes from an agent allowed to
// manage chatflows; it never fails the request.
func (h *Handler) canManageFlows(r *http.Request) bool {
	if h.cfg.AgentAuth == nil {
		return false
	}
	a, err := h.cfg.AgentAuth(r)
	return err == nil && a != nil && a.Can(PermissionManageChatflows)
}

// publicChat builds what the widget shows for a chatflow.
func (h *Handler) publicChat(r *http.Request, f *flow.Chatflow, v *Visitor, req *configRequest) (*chatConfig, error) {
	ctx := r.Context()
	hd := f.Display.Heading
	avatars, err := h.headingAvatars(ctx, f, v)
	if err != nil {
		return nil, err
	}
	st, err := h.status(ctx, f, v)
	if err != nil {
		return nil, err
	}
	out := &chatConfig{
		ChatflowID:       f.ID,
		Title:            hd.Title,
		Subtitle:         hd.Subtitle,
		Avatars:          avatars,
		Welcome:          f.Build.Welcome,
		AccentColor:      f.Display.AccentColor,
		MaxMessageLength: h.cfg.MaxMessageLength,
		Desktop:          f.Display.Desktop,
		Mobile:           f.Display.Mobile,
		Availability:     st,
		EmailCapture:     f.Build.EmailCapture,
		Survey:           surveyOf(f),
	}
	out.Language, out.Texts, out.Consent = h.chatTexts(r, f, req.Language)
	// Texts the team left at their defaults follow the visitor's language.
	if out.Welcome == flow.DefaultWelcome {
		out.Welcome = out.Texts[consent.KeyWelcome]
	}
	if out.Title == flow.DefaultTitle {
		out.Title = out.Texts[consent.KeyTitle]
	}
	if out.EmailCapture.Prompt == flow.DefaultEmailPrompt {
		out.EmailCapture.Prompt = out.Texts[consent.KeyEmailPrompt]
	}
	if f.Build.KnowledgeBase.Enabled && h.cfg.Knowledge != nil {
		out.KnowledgeBase = &chatKnowledge{Enabled: true}
	}
	return out, nil
}

// headingAvatars is who the chat's header shows: the brand; the contact's
// owner; or the chosen agents and teams (by default the available agents
// among those the chatflow assigns to).
func (h *Handler) headingAvatars(ctx context.Context, f *flow.Chatflow, v *Visitor) ([]avatar, error) {
	hd := f.Display.Heading
	out := []avatar{}
	switch hd.Kind {
	case flow.HeadingBrand:
		return append(out, avatar{Name: hd.BrandName, AvatarURL: hd.BrandAvatarURL}), nil
	case flow.HeadingOwner:
		if v != nil && v.ContactID != "" {
			if c, err := h.store.Contact(ctx, v.ContactID); err == nil && c.OwnerID != "" {
				if a, err := h.store.Agent(ctx, c.OwnerID); err == nil {
					return append(out, avatar{Name: a.Name, AvatarURL: a.AvatarURL}), nil
				}
			}
		}
	}
	users, teams := hd.UserIDs, hd.TeamIDs
	if len(users) == 0 && len(teams) == 0 {
		// The available agents the assignment lists or whose team it
		// lists (every agent when it lists none), as routing sees them.
		as := f.Build.Assignment
		agents, err := h.store.Agents(ctx)
		if err != nil {
			return nil, err
		}
		now := h.now()
		for _, a := range agents {
			listed := len(as.UserIDs) == 0 && len(as.TeamIDs) == 0 || slices.Contains(as.UserIDs, a.ID) ||
				slices.ContainsFunc(a.TeamIDs, func(t string) bool { return slices.Contains(as.TeamIDs, t) })
			if listed && h.isAvailable(a, now) && len(out) < 3 {
				out = append(out, avatar{Name: a.Name, AvatarURL: a.AvatarURL})
			}
		}
		return out, nil
	}
	for _, id := range users {
		if a, err := h.store.Agent(ctx, id); err == nil && len(out) < 3 {
			out = append(out, avatar{Name: a.Name, AvatarURL: a.AvatarURL})
		}
	}
	for _, id := range teams {
		if t, err := h.store.Team(ctx, id); err == nil && len(out) < 3 {
			out = append(out, avatar{Name: t.Name, AvatarURL: t.AvatarURL})
		}
	}
	return out, nil
}

// chatTexts picks the visitor's language (their browser's when supported,
// else the chatflow's, else English) and returns the texts in it.
func (h *Handler) chatTexts(r *http.Request, f *flow.Chatflow, visitorLang string) (string, map[consent.Key]string, *chatConsent) {
	if visitorLang == "" {
		visitorLang = r.Header.Get("Accept-Language")
	}
	lang := consent.Match(f.Options.Language, visitorLang)
	company := h.cfg.Company
	texts := f.Options.Consent.Texts(h.cfg.Texts, lang, consent.Sender{Company: company, Account: h.cfg.Account, Domain: hostName(r.Host)})
	cs := &chatConsent{}
	s := f.Options.Consent
	if s.Cookies.Enabled {
		t := textOf(texts.Cookies)
		t.When = s.Cookies.When
		cs.Cookies = &t
	}
	if s.Processing.Enabled {
		cs.Processing = &processingText{Kind: s.Processing.Kind, consentText: textOf(texts.Processing)}
	}
	for _, c := range texts.Communication {
		cs.Communication = append(cs.Communication, consentCheckbox{Kind: c.Kind, Label: c.Label, TextHash: consent.TextHash(c.Label)})
	}
	return lang.String(), h.cfg.Texts.All(lang), cs
}

// hostName is a request's host without its port.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}
