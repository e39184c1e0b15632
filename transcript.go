package livechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
)

// A transcript is a conversation written out for one reader, as text or
// HTML. What a reader sees follows who they are:
//
//   - The visitor (the mail they ask for) sees what the widget shows
//     them: the brand alias of a chatflow whose heading asks for it in
//     place of every agent's name, "You" for themselves, and the texts in
//     their language.
//   - Agents (the inbox's download) see the agents' own names, the
//     visitor's name as the inbox gives it, and English.
//
// Either way a transcript holds the messages of visitors, agents and the
// system only: an allow-list, so a sender kind added later (such as an
// agents' private note) stays out until it is allowed here.
type transcript struct {
	Lang  string
	Title string
	Lines []transcriptLine
	// More says the conversation had more messages than a transcript
	// holds (maxTranscriptMessages): the transcript ends before them.
	More bool
}

type transcriptLine struct {
	At     time.Time
	Who    string // empty for the system's messages
	System bool
	Text   string
}

// When is the line's time as both forms print it.
func (l transcriptLine) When() string { return l.At.UTC().Format("2006-01-02 15:04 UTC") }

// transcriptSenders are the senders a transcript shows.
var transcriptSenders = map[SenderKind]bool{SenderVisitor: true, SenderAgent: true, SenderSystem: true}

const (
	// maxTranscriptMessages is the most messages a transcript holds.
	maxTranscriptMessages = 2000
	// transcriptWait is how long a visitor's request waits for the mail's
	// first outcome before it answers that the mail is still on its way.
	transcriptWait = 10 * time.Second
	// transcriptAttempt bounds one attempt at sending a mail.
	transcriptAttempt = 30 * time.Second
)

// defaultTranscriptRetries are the waits before each new attempt at a
// transcript mail that failed for a temporary reason.
var defaultTranscriptRetries = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute}

var (
	errNoTranscripts    = publicf(ErrNotFound, "this chat does not send transcripts by email")
	errEmptyTranscript  = publicf(ErrInvalid, "the conversation has no messages yet")
	errTranscriptFailed = errors.New("livechat: transcript not sent")
	// The outcomes of a failed transcript mail, all errTranscriptFailed:
	// they never carry the Mailer's error, whose text may quote the
	// address, nor answer by its kind.
	errTranscriptRejected  = fmt.Errorf("%w: rejected", errTranscriptFailed)
	errTranscriptTemporary = fmt.Errorf("%w: temporary failure", errTranscriptFailed)
	errTranscriptStopped   = fmt.Errorf("%w: shutting down", errTranscriptFailed)
)

// transcripts builds transcripts and mails them to visitors: one job,
// with its own limits, since each mail goes to an address the visitor
// types.
type transcripts struct {
	cfg     *Config
	store   Storage
	flows   *flowCache
	life    *lifecycle
	log     *slog.Logger
	retries []time.Duration
	wait    time.Duration // transcriptWait; shorter in tests
	// At most a few mails per conversation, per visitor and per client
	// IP: a burst, then one more every so often.
	perConversation, perVisitor, perIP *keyedLimiter
}

func newTranscripts(cfg *Config, flows *flowCache, life *lifecycle) *transcripts {
	return &transcripts{
		cfg: cfg, store: cfg.Storage, flows: flows, life: life, log: cfg.Logger,
		retries:         defaultTranscriptRetries,
		wait:            transcriptWait,
		perConversation: newKeyedLimiter(1.0/1200, 3), // 3, then one every 20 minutes
		perVisitor:      newKeyedLimiter(1.0/1200, 5), // 5, then one every 20 minutes
		perIP:           newKeyedLimiter(1.0/180, 20), // 20, then one every 3 minutes
	}
}

// offered says whether visitors may ask for transcripts by email.
func (t *transcripts) offered() bool { return t.cfg.Mailer != nil }

// messages reads up to maxTranscriptMessages of a conversation's
// messages a transcript shows (transcriptSenders), oldest first, and
// whether more of them followed. Messages of other senders neither count
// nor show.
func (t *transcripts) messages(ctx context.Context, c *Conversation) ([]*Message, bool, error) {
	var out []*Message
	after := int64(0)
	for {
		page, err := t.store.Messages(ctx, c.ID, after, 500)
		if err != nil {
			return nil, false, err
		}
		if len(page) == 0 {
			return out, false, nil
		}
		for _, m := range page {
			if !transcriptSenders[m.Sender] {
				continue
			}
			if len(out) == maxTranscriptMessages {
				return out, true, nil
			}
			out = append(out, m)
		}
		after = page[len(page)-1].Seq
	}
}

// forVisitor is c's transcript as its visitor sees it, in lang.
// Its title names the brand alias, else Config.Company, else
// Config.Account, else the chatflow's brand name; without any it names
// nobody. Nothing of the request (such as its Host) goes into it.
func (t *transcripts) forVisitor(ctx context.Context, c *Conversation, lang language.Tag) (*transcript, error) {
	msgs, more, err := t.messages(ctx, c)
	if err != nil {
		return nil, err
	}
	f := t.flows.flowFor(ctx, c.ChatflowID)
	alias := brandAlias(f)
	text := func(k consent.Key, args ...string) string { return t.cfg.Texts.Text(lang, k, args...) }
	var brand string
	if f != nil && f.Display.Heading.Kind == flow.HeadingBrand {
		brand = f.Display.Heading.BrandName
	}
	title := text(consent.KeyTranscriptTitlePlain)
	if name := cmpOr(alias, t.cfg.Company, t.cfg.Account, brand); name != "" {
		title = text(consent.KeyTranscriptTitle, "name", name)
	}
	tr := &transcript{Lang: lang.String(), Title: title, More: more}
	for _, m := range msgs {
		l := transcriptLine{At: m.CreatedAt, Text: m.Text}
		switch m.Sender {
		case SenderVisitor:
			l.Who = text(consent.KeyTranscriptYou)
		case SenderAgent:
			l.Who = cmpOr(alias, m.AuthorName, text(consent.KeyAgent))
		case SenderSystem:
			l.System = true
			if m.Code == CodeConversationEnded {
				if by := cmpOr(alias, m.AuthorName); by != "" {
					l.Text = text(consent.KeyEndedBy, "name", by)
				} else {
					l.Text = text(consent.KeyEnded)
				}
			}
		}
		tr.Lines = append(tr.Lines, l)
	}
	return tr, nil
}

// forAgents is c's transcript as agents see it: real names, in English.
func (t *transcripts) forAgents(ctx context.Context, c *Conversation) (*transcript, error) {
	msgs, more, err := t.messages(ctx, c)
	if err != nil {
		return nil, err
	}
	var contact *Contact
	if v, err := t.store.Visitor(ctx, c.VisitorID); err == nil && v.ContactID != "" {
		if ct, err := t.store.Contact(ctx, v.ContactID); err == nil {
			contact = vouchedFor(v, ct)
		}
	}
	visitor := visitorName(c.VisitorID, contact)
	tr := &transcript{Lang: "en", Title: "Conversation with " + visitor, More: more}
	for _, m := range msgs {
		l := transcriptLine{At: m.CreatedAt, Text: m.Text, System: m.Sender == SenderSystem}
		switch m.Sender {
		case SenderVisitor:
			l.Who = visitor
		case SenderAgent:
			l.Who = cmpOr(m.AuthorName, "Agent")
		}
		tr.Lines = append(tr.Lines, l)
	}
	return tr, nil
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// text writes the transcript as plain text: a title, then one entry per
// message, its time and sender first, its lines indented.
func (tr *transcript) text() string {
	var b strings.Builder
	b.WriteString(tr.Title + "\n\n")
	for _, l := range tr.Lines {
		b.WriteString("[" + l.When() + "] ")
		if l.Who != "" {
			b.WriteString(l.Who + ": ")
		}
		b.WriteString(strings.ReplaceAll(strings.TrimRight(l.Text, "\n"), "\n", "\n    ") + "\n")
	}
	if tr.More {
		b.WriteString("[…]\n")
	}
	return b.String()
}

var transcriptHTML = template.Must(template.New("transcript").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:42rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}h1{font-size:1.3rem}.m{margin:.75rem 0}.w{font-weight:600;margin-right:.5rem}.t{color:#555;font-size:.85em}.s{color:#555;font-style:italic}p{margin:.15rem 0;white-space:pre-wrap;overflow-wrap:anywhere}</style>
</head><body>
<h1>{{.Title}}</h1>
{{range .Lines}}<div class="m{{if .System}} s{{end}}">{{if .Who}}<span class="w">{{.Who}}</span>{{end}}<time class="t" datetime="{{.At.UTC.Format "2006-01-02T15:04:05Z"}}">{{.When}}</time><p>{{.Text}}</p></div>
{{end}}{{if .More}}<p>[…]</p>
{{end}}</body></html>
`))

// html writes the transcript as an HTML document; html/template escapes
// every text.
func (tr *transcript) html() (string, error) {
	var b bytes.Buffer
	if err := transcriptHTML.Execute(&b, tr); err != nil {
		return "", err
	}
	return b.String(), nil
}

// transcriptStatus is the answer to a visitor's request of a transcript.
type transcriptStatus struct {
	Email string `json:"email"`
	// Status is "sent" (the mail server took the mail) or "sending"
	// (still trying, after a temporary failure).
	Status string `json:"status"`
}

// email mails the visitor's conversation c to address, and waits up to
// transcriptWait for the outcome: sent, failed (errTranscriptFailed), or
// still sending (retried in the background on temporary failures). The
// request's ctx ends only the wait, never the sending.
func (t *transcripts) email(ctx context.Context, c *Conversation, address, acceptLanguage, ipKey string) (*transcriptStatus, error) {
	if !t.offered() {
		return nil, errNoTranscripts
	}
	to, err := normalizeEmail(address)
	if err != nil {
		return nil, err
	}
	now := t.cfg.Now()
	if err := check(t.perConversation, c.ID, now, ErrRateLimited, "too many transcripts of this conversation"); err != nil {
		return nil, err
	}
	if err := check(t.perVisitor, c.VisitorID, now, ErrRateLimited, "too many transcripts"); err != nil {
		return nil, err
	}
	if err := check(t.perIP, ipKey, now, ErrRateLimited, "too many transcripts from this address"); err != nil {
		return nil, err
	}
	visitorLang := acceptLanguage
	if v, err := t.store.Visitor(ctx, c.VisitorID); err == nil && v.Language != "" {
		visitorLang = v.Language
	}
	var flowLang string
	if f := t.flows.flowFor(ctx, c.ChatflowID); f != nil {
		flowLang = f.Options.Language
	}
	tr, err := t.forVisitor(ctx, c, matchLanguage(flowLang, visitorLang))
	if err != nil {
		return nil, err
	}
	if len(tr.Lines) == 0 {
		return nil, errEmptyTranscript
	}
	html, err := tr.html()
	if err != nil {
		return nil, err
	}
	m := &Mail{To: to, Subject: tr.Title, Text: tr.text(), HTML: html}
	if !t.life.track() {
		return nil, errShuttingDown
	}
	done := make(chan error, 1)
	go func() {
		defer t.life.done()
		done <- t.send(t.life.ctx, c.ID, m)
	}()
	wait := time.NewTimer(t.wait)
	defer wait.Stop()
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
		return &transcriptStatus{Email: to, Status: "sent"}, nil
	case <-wait.C:
	case <-ctx.Done():
	}
	return &transcriptStatus{Email: to, Status: "sending"}, nil
}

// send sends m, trying again after each temporary failure, until it is
// sent, refused for good, out of retries, or ctx (the Handler's) ends.
// It returns nil or one of errTranscriptRejected, errTranscriptTemporary
// and errTranscriptStopped, and logs the outcome by conversation and that
// class only: never the address, the text, or the Mailer's error, whose
// text may quote the address (an SMTP reply such as "550 <a@b.example>").
func (t *transcripts) send(ctx context.Context, conversationID string, m *Mail) error {
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, transcriptAttempt)
		err := t.cfg.Mailer.SendMail(actx, m)
		cancel()
		if err == nil {
			t.log.Debug("livechat: transcript sent", "conversation", conversationID, "attempts", attempt+1)
			return nil
		}
		failed := errTranscriptTemporary
		switch {
		case errors.Is(err, ErrMailRejected):
			failed = errTranscriptRejected
		case ctx.Err() != nil:
			failed = errTranscriptStopped
		}
		if failed != errTranscriptTemporary || attempt >= len(t.retries) {
			t.log.Warn("livechat: transcript not sent", "conversation", conversationID, "attempts", attempt+1, "err", failed)
			return failed
		}
		t.log.Debug("livechat: transcript failed; trying again", "conversation", conversationID, "attempt", attempt+1, "err", failed)
		retry := time.NewTimer(t.retries[attempt])
		select {
		case <-retry.C:
		case <-ctx.Done():
			retry.Stop()
			t.log.Warn("livechat: transcript not sent", "conversation", conversationID, "attempts", attempt+1, "err", errTranscriptStopped)
			return errTranscriptStopped
		}
	}
}

// chatTranscript offers the transcript by email in the widget: Email
// fills the field in, the address of the verified contact the host's
// identity token identified the visitor as (see ownContact), else empty.
type chatTranscript struct {
	Email string `json:"email,omitempty"`
}

// transcriptOffer is what the chat answer says of transcripts: nil
// without a Mailer.
func transcriptOffer(ctx context.Context, cfg *Config, store Storage, v *Visitor) (*chatTranscript, error) {
	if cfg.Mailer == nil {
		return nil, nil
	}
	out := &chatTranscript{}
	if v == nil || v.ContactID == "" {
		return out, nil
	}
	c, err := store.Contact(ctx, v.ContactID)
	if isNotFound(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if ownContact(v, c) {
		out.Email = c.Email
	}
	return out, nil
}

// ownContact reports whether visitor v may be shown its contact c: only
// a verified contact the host identified v as. An unverified contact is
// shared by every visitor who typed its address, and agents may change
// its address, so it may hold another person's.
func ownContact(v *Visitor, c *Contact) bool { return c.Verified && isIdentifiedVisitor(v.ID) }
