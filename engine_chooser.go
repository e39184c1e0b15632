package livechat

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/targeting"
	"golang.org/x/text/language"
)

// chooser decides which chatflow a page view shows and builds what the
// widget needs to show it: the chatflow's public settings, its
// availability now, the heading's avatars and the texts in the visitor's
// language.
type chooser struct {
	cfg     *Config // read only
	store   Storage
	flows   *flowCache
	routing *router
	now     func() time.Time
}

// pageView is a page view as the widget reports it, with what the HTTP
// layer read from the request.
type pageView struct {
	URL, Device string
	// Language is the language the widget reports; AcceptLanguage the
	// browser's header, used when Language is empty.
	Language, AcceptLanguage string
	// Preview names a chatflow to preview; Manager says whether the
	// request comes from an agent who may manage chatflows. Draft, for
	// such an agent, is an unsaved chatflow the preview shows instead of
	// the stored one (its ID is Preview).
	Preview string
	Draft   *flow.Chatflow
	Manager bool
	// Host is the site's host name, for the consent texts.
	Host string
}

// chooseChat picks the chatflow for a page view (see choose) and builds
// what the open chat shows of it. It returns nil for no chat.
func (ch *chooser) chooseChat(ctx context.Context, v *Visitor, req *pageView) (*chatConfig, error) {
	f, preview, err := ch.choose(ctx, v, req)
	if f == nil || err != nil {
		return nil, err
	}
	c, err := ch.publicChat(ctx, f, v, req)
	if c != nil && preview {
		c.Preview = true
	}
	return c, err
}

// chooseLauncher is chooseChat for the config call: the same choice,
// and only what a page view needs to show the launcher (launcherChat),
// without building the texts and consent the open chat needs.
func (ch *chooser) chooseLauncher(ctx context.Context, v *Visitor, req *pageView) (*launcherChat, error) {
	f, preview, err := ch.choose(ctx, v, req)
	if f == nil || err != nil {
		return nil, err
	}
	st, err := ch.routing.status(ctx, f, v)
	if err != nil {
		return nil, err
	}
	lang := ch.language(f, req)
	l := &launcherChat{
		ChatflowID: f.ID, Welcome: f.Build.Welcome, AccentColor: f.Display.AccentColor, AccentText: onAccent(f.Display.AccentColor),
		Desktop: f.Display.Desktop, Mobile: f.Display.Mobile, Preview: preview, Language: lang.String(),
		Texts:        make(map[consent.Key]string, len(launcherTexts)),
		Availability: launcherAvailability{Status: st.Status, ShowChat: st.ShowChat},
	}
	for _, k := range launcherTexts {
		l.Texts[k] = ch.cfg.Texts.Text(lang, k)
	}
	// As publicChat: a welcome left at its default follows the language.
	if l.Welcome == flow.DefaultWelcome {
		l.Welcome = ch.cfg.Texts.Text(lang, consent.KeyWelcome)
	}
	if s := f.Options.Consent.Cookies; s.Enabled {
		l.CookieBanner = cmp.Or(s.When, consent.BannerBeforeChat)
	}
	return l, nil
}

// choose picks the chatflow for a page view: the draft or the preview the
// request names when an agent who manages chatflows asks (preview true), else the
// published chatflow with the highest priority whose targeting matches
// the page and what the server knows of the visitor. It returns nil for
// no chat.
func (ch *chooser) choose(ctx context.Context, v *Visitor, req *pageView) (f *flow.Chatflow, preview bool, err error) {
	if req.Draft != nil && req.Manager {
		return req.Draft, true, nil
	}
	set, err := ch.flows.set(ctx)
	if err != nil {
		return nil, false, err
	}
	if req.Preview != "" && req.Manager {
		if cf := set.byID[req.Preview]; cf != nil {
			return cf.flow, true, nil
		}
	}
	tc, err := ch.targetContact(ctx, v)
	if err != nil {
		return nil, false, err
	}
	view := targeting.NewView(req.URL, req.Device, tc)
	id, ok := set.selector.Select(view)
	if !ok {
		return nil, false, nil
	}
	return set.byID[id].flow, false, nil
}

// startingFlow checks the chatflow a visitor says a conversation starts
// from: it must be published and its targeting must match the page and the
// visitor, as the config call would have found; or be a preview for an
// agent who manages chatflows. Anything else starts the conversation
// without a chatflow rather than trusting the client.
func (ch *chooser) startingFlow(ctx context.Context, visitorID, chatflowID, pageURL, device string, manager bool) (string, error) {
	if chatflowID == "" {
		return "", nil
	}
	set, err := ch.flows.set(ctx)
	if err != nil {
		return "", err
	}
	cf := set.byID[chatflowID]
	if cf == nil {
		return "", nil
	}
	if manager {
		return chatflowID, nil
	}
	if !cf.flow.Enabled {
		return "", nil
	}
	v, err := ch.store.Visitor(ctx, visitorID)
	if err != nil {
		return "", err
	}
	tc, err := ch.targetContact(ctx, v)
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
func (ch *chooser) targetContact(ctx context.Context, v *Visitor) (*targeting.Contact, error) {
	if v == nil || v.ContactID == "" {
		return nil, nil
	}
	c, err := ch.store.Contact(ctx, v.ContactID)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &targeting.Contact{Properties: c.Properties}, nil
}

// publicChat builds what the widget shows for a chatflow.
func (ch *chooser) publicChat(ctx context.Context, f *flow.Chatflow, v *Visitor, req *pageView) (*chatConfig, error) {
	hd := f.Display.Heading
	avatars, err := ch.headingAvatars(ctx, f, v)
	if err != nil {
		return nil, err
	}
	st, err := ch.routing.status(ctx, f, v)
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
		MaxMessageLength: ch.cfg.MaxMessageLength,
		Desktop:          f.Display.Desktop,
		Mobile:           f.Display.Mobile,
		Availability:     st,
		EmailCapture:     f.Build.EmailCapture,
		Survey:           surveyOf(f),
		Files:            filesOf(f, ch.cfg.Files != nil),
	}
	out.Language, out.Texts, out.Consent = ch.chatTexts(f, req)
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
	if out.EmailCapture.Mode != flow.EmailNever {
		known, err := ch.knowsEmail(ctx, v)
		if err != nil {
			return nil, err
		}
		if known {
			// Identified by the host, or given before: not asked again.
			out.EmailCapture.Mode = flow.EmailNever
		}
	}
	if f.Build.KnowledgeBase.Enabled && ch.cfg.Knowledge != nil {
		out.KnowledgeBase = &chatKnowledge{Enabled: true}
	}
	if out.Transcript, err = transcriptOffer(ctx, ch.cfg, ch.store, v); err != nil {
		return nil, err
	}
	return out, nil
}

// knowsEmail reports whether the visitor's contact has an email address:
// one the host's identity token vouched for, or one the visitor gave.
func (ch *chooser) knowsEmail(ctx context.Context, v *Visitor) (bool, error) {
	if v == nil || v.ContactID == "" {
		return false, nil
	}
	c, err := ch.store.Contact(ctx, v.ContactID)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.Email != "", nil
}

// headingAvatars is who the chat's header shows: the brand; the contact's
// owner; or the chosen agents and teams (by default the available agents
// among those the chatflow assigns to).
func (ch *chooser) headingAvatars(ctx context.Context, f *flow.Chatflow, v *Visitor) ([]avatar, error) {
	hd := f.Display.Heading
	out := []avatar{}
	switch hd.Kind {
	case flow.HeadingBrand:
		return append(out, avatar{Name: hd.BrandName, AvatarURL: hd.BrandAvatarURL}), nil
	case flow.HeadingOwner:
		if v != nil && v.ContactID != "" {
			if c, err := ch.store.Contact(ctx, v.ContactID); err == nil && c.OwnerID != "" {
				if a, err := ch.store.Agent(ctx, c.OwnerID); err == nil {
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
		agents, err := ch.store.Agents(ctx)
		if err != nil {
			return nil, err
		}
		now := ch.now()
		for _, a := range agents {
			listed := len(as.UserIDs) == 0 && len(as.TeamIDs) == 0 || slices.Contains(as.UserIDs, a.ID) ||
				slices.ContainsFunc(a.TeamIDs, func(t string) bool { return slices.Contains(as.TeamIDs, t) })
			if listed && ch.routing.isAvailable(a, now) && len(out) < 3 {
				out = append(out, avatar{Name: a.Name, AvatarURL: a.AvatarURL})
			}
		}
		return out, nil
	}
	for _, id := range users {
		if a, err := ch.store.Agent(ctx, id); err == nil && len(out) < 3 {
			out = append(out, avatar{Name: a.Name, AvatarURL: a.AvatarURL})
		}
	}
	for _, id := range teams {
		if t, err := ch.store.Team(ctx, id); err == nil && len(out) < 3 {
			out = append(out, avatar{Name: t.Name, AvatarURL: t.AvatarURL})
		}
	}
	return out, nil
}

// chatTexts picks the visitor's language (their browser's when supported,
// else the chatflow's, else English) and returns the texts in it.
func (ch *chooser) chatTexts(f *flow.Chatflow, req *pageView) (string, map[consent.Key]string, *chatConsent) {
	lang := ch.language(f, req)
	company := ch.cfg.Company
	texts := f.Options.Consent.Texts(ch.cfg.Texts, lang, consent.Sender{Company: company, Account: ch.cfg.Account, Domain: req.Host})
	cs := &chatConsent{}
	s := f.Options.Consent
	if s.Cookies.Enabled {
		t := consentTexts.get(texts.Cookies, textOf)
		t.When = s.Cookies.When
		cs.Cookies = &t
	}
	if s.Processing.Enabled {
		cs.Processing = &processingText{Kind: s.Processing.Kind, consentText: consentTexts.get(texts.Processing, textOf)}
	}
	for _, c := range texts.Communication {
		cs.Communication = append(cs.Communication, consentCheckbox{Kind: c.Kind, Label: c.Label, TextHash: consent.TextHash(c.Label)})
	}
	return lang.String(), ch.cfg.Texts.All(lang), cs
}

// language is the language a page view's chat speaks: the visitor's
// (the language the widget reports, else the browser's) when supported,
// else the chatflow's, else English.
func (ch *chooser) language(f *flow.Chatflow, req *pageView) language.Tag {
	visitorLang := req.Language
	if visitorLang == "" {
		visitorLang = req.AcceptLanguage
	}
	return matchLanguage(f.Options.Language, visitorLang)
}

// languageChoice is what consent.Match chooses from.
type languageChoice struct{ chatflow, visitor string }

// languages remembers consent.Match's choices, consentTexts textOf's
// answers: both depend on their arguments only.
var (
	languages    = newMemo[languageChoice, language.Tag](4096)
	consentTexts = newMemo[string, consentText](1024)
)

// matchLanguage is consent.Match, remembered.
func matchLanguage(chatflowLang, visitorLangs string) language.Tag {
	if len(chatflowLang)+len(visitorLangs) > 256 {
		return consent.Match(chatflowLang, visitorLangs) // not worth keeping
	}
	return languages.get(languageChoice{chatflowLang, visitorLangs}, func(k languageChoice) language.Tag {
		return consent.Match(k.chatflow, k.visitor)
	})
}
