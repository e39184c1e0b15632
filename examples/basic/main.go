// Command basic is a small website with the golivechat widget on every page
// and the agent inbox, in one process, with SQLite in a file.
//
//	go run ./examples/basic
//
// Then open http://localhost:8080, and in a second window sign in as a demo
// agent at http://localhost:8080/login to answer from the inbox.
// http://localhost:8080/app/ is a single-page app that drives the chat
// through the widget's JavaScript API, and http://localhost:8080/metrics
// serves the chat's metrics to Prometheus.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/files"
	"github.com/golivechat/livechat/storage/sqlite"
	"github.com/golivechat/livechat/targeting"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "address to listen on")
	db := flag.String("db", "livechat-demo.db", "SQLite database file; the secret and the attached files (<db>.files) are kept beside it")
	var mail smtpFlags
	flag.StringVar(&mail.addr, "smtp-addr", os.Getenv("LIVECHAT_SMTP_ADDR"), "SMTP server (host:port) that sends visitors their transcripts; none: transcripts by email are off")
	flag.StringVar(&mail.from, "smtp-from", os.Getenv("LIVECHAT_SMTP_FROM"), "sender of the transcript mails, such as support@example.com")
	flag.StringVar(&mail.user, "smtp-user", os.Getenv("LIVECHAT_SMTP_USER"), "SMTP username; the password is read from LIVECHAT_SMTP_PASSWORD")
	flag.StringVar(&mail.tls, "smtp-tls", "starttls", "starttls (whenever the server offers it), require (STARTTLS or nothing) or implicit (TLS from the start, port 465)")
	flag.Parse()
	mailer, err := mail.mailer()
	if err != nil {
		log.Fatal(err)
	}
	if err := run(*addr, *db, func(c *livechat.Config) { c.Mailer = mailer }); err != nil {
		log.Fatal(err)
	}
}

func run(addr, dbPath string, configure ...func(*livechat.Config)) error {
	store, err := sqlite.Open(dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	secret, err := loadSecret(dbPath + ".secret")
	if err != nil {
		return err
	}
	// Attached files go to a directory beside the database.
	attached, err := files.Open(dbPath + ".files")
	if err != nil {
		return err
	}
	defer attached.Close()
	site, chat, err := newSite(store, secret, append(configure, func(c *livechat.Config) { c.Files = attached })...)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: site, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		chat.Shutdown(shutdown) // WebSockets first: the server does not track hijacked connections
		srv.Shutdown(shutdown)
	}()
	log.Printf("demo site on http://%s  (inbox: http://%s/login)", addr, addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadSecret reads the visitor-token secret, creating it on first run.
func loadSecret(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return hex.DecodeString(strings.TrimSpace(string(data)))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return secret, nil
}

// demoAgents are the team members a visitor to /login can sign in as,
// registered with the chat at startup (newSite) and returned by the
// sign-in (agentFromRequest) alike.
// Ada, the team lead, manages chatflows, the team settings and the saved
// replies; her capacity
// is set here, so the team settings show it without a control. Grace's
// team, capacity and skills are left to the team settings. Katherine may
// edit the chatflows too (the inbox links her to the editor).
var demoAgents = map[string]*livechat.Agent{
	"ada": {ID: "ada", Name: "Ada Lovelace", Email: "ada@example.com", Capacity: 3,
		Permissions: []string{livechat.PermissionManageChatflows, livechat.PermissionManageTeam, livechat.PermissionManageReplies}},
	"grace": {ID: "grace", Name: "Grace Hopper", Email: "grace@example.com"},
	"katherine": {ID: "katherine", Name: "Katherine Johnson", Email: "katherine@example.com",
		Permissions: []string{livechat.PermissionManageChatflows}},
}

// agentFromRequest is the host's own login: here a cookie set by /login.
// A real application checks its session instead.
func agentFromRequest(r *http.Request) (*livechat.Agent, error) {
	c, err := r.Cookie("demo_agent")
	if err != nil {
		return nil, err
	}
	a, ok := demoAgents[c.Value]
	if !ok {
		return nil, fmt.Errorf("unknown demo agent %q", c.Value)
	}
	copy := *a
	return &copy, nil
}

// newSite builds the demo site around a chat Handler; configure adds to
// its Config (the attachments' FileStore, a Mailer).
func newSite(store livechat.Storage, secret []byte, configure ...func(*livechat.Config)) (http.Handler, *livechat.Handler, error) {
	// The chat's metrics, for Prometheus to scrape at /metrics: a registry
	// of the site's own, so that every site (the tests build several) has
	// its own.
	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		return nil, nil, err
	}
	cfg := livechat.Config{
		Storage:       store,
		Secret:        secret,
		AgentAuth:     agentFromRequest,
		Flows:         demoFlows(),
		Identity:      identityVerifier(secret),
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)),
	}
	for _, f := range configure {
		f(&cfg)
	}
	chat, err := livechat.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	// Register the whole team up front, so that the chatflow editor's
	// pickers and the team settings list every agent before they first sign in.
	team := make([]*livechat.Agent, 0, len(demoAgents))
	for _, id := range slices.Sorted(maps.Keys(demoAgents)) {
		a := *demoAgents[id]
		team = append(team, &a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := chat.PutAgents(ctx, team...); err != nil {
		chat.Close()
		return nil, nil, err
	}
	if err := seedReplies(ctx, store); err != nil {
		chat.Close()
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	// A real site serves its metrics on an internal address or behind its
	// login; they carry no message text, but they say how busy it is.
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	for path, p := range pages {
		pattern := "GET " + path
		if path == "/" {
			pattern = "GET /{$}"
		}
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			layout.Execute(w, p)
		})
	}
	addApp(mux, secret)
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		loginPage.Execute(w, nil)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		as := r.FormValue("as")
		if _, ok := demoAgents[as]; !ok {
			http.Error(w, "unknown demo agent", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "demo_agent", Value: as, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/livechat/inbox/", http.StatusSeeOther)
	})
	return mux, chat, nil
}

// demoFlows are the site's two chats: sales on the pricing pages, with
// Grace in the heading, office hours (weekdays 09:00-17:00 in Stockholm;
// outside them visitors see when the team is back and can leave a
// message) and a prompt that opens the chat after a few seconds; support
// everywhere else but the privacy policy, presented as the Acme brand,
// answered by Ada and Grace in turn whenever one of them is available.
func demoFlows() []*flow.Chatflow {
	sales := flow.New("Sales")
	sales.ID = "sales"
	sales.Priority = 10
	sales.Build.Welcome = "Questions about plans or volume pricing? Grace from sales is here."
	sales.Display.AccentColor = "#c2410c"
	sales.Display.Heading = flow.Heading{Kind: flow.HeadingAgents, Title: "Talk to sales", Subtitle: "We reply in a few minutes", UserIDs: []string{"grace"}}
	sales.Display.Desktop = flow.Desktop{Behavior: flow.DesktopOpenOnTrigger, Triggers: flow.Triggers{SecondsOnPage: 8, ExitIntent: true}}
	sales.Build.Assignment.UserIDs = []string{"grace", "ada"}
	sales.Availability.Mode = availability.ModeOfficeHours
	sales.Availability.OfficeHours.TimeZone = "Europe/Stockholm"
	sales.Availability.Available = availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: availability.ReplyMinutes}
	sales.Availability.Offline = availability.OfflineDisplay{Behavior: availability.OfflineReturnTime,
		Message: "Leave a message and your email, and we'll answer first thing."}
	sales.Target = targeting.Rules{Groups: []targeting.Group{
		{Rules: []targeting.Rule{{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: "/pricing"}}},
		{Rules: []targeting.Rule{{Field: targeting.FieldPath, Op: targeting.OpStartsWith, Value: "/app/pricing"}}},
	}}

	support := flow.New("Support")
	support.ID = "support"
	support.Build.Welcome = "Hi! Ask us anything about Acme."
	support.Display.Heading = flow.Heading{Kind: flow.HeadingBrand, Title: "Acme support", Subtitle: "Usually answers within minutes", BrandName: "Acme", BrandAlias: true}
	support.Build.Assignment.Strategy = flow.StrategyLeastBusy
	support.Availability.Available = availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: availability.ReplyMinutes}
	support.Availability.Away = availability.AwayDisplay{ShowChat: true,
		Message: "We're away right now. Leave a message and we'll get back to you."}
	support.Target = targeting.Rules{Exclude: []targeting.Rule{
		{Field: targeting.FieldPath, Op: targeting.OpIs, Value: "/privacy"},
		{Field: targeting.FieldPath, Op: targeting.OpIs, Value: "/app/privacy"},
	}}
	return []*flow.Chatflow{sales, support}
}

type page struct {
	Title, Heading, Body string
}

var pages = map[string]page{
	"/":                   {"Acme", "Welcome to Acme", "We make anvils that never miss. Questions? Open the chat in the corner."},
	"/pricing":            {"Pricing · Acme", "Pricing", "Anvil Basic: $49. Anvil Pro: $99. Volume discounts on request; ask us in the chat."},
	"/about":              {"About · Acme", "About us", "A small team in a big desert, answering every chat ourselves."},
	"/pricing/enterprise": {"Enterprise · Acme", "Enterprise", "Anvils by the ton, with a named account manager. The sales chat opens here too."},
	"/privacy":            {"Privacy · Acme", "Privacy policy", "We keep chats to answer them and nothing else. No chat on this page."},
}

var layout = template.Must(template.New("layout").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem}</style>
</head><body>
<nav><a href="/">Home</a><a href="/pricing">Pricing</a><a href="/pricing/enterprise">Enterprise</a><a href="/about">About</a><a href="/privacy">Privacy</a><a href="/app/">The app</a><a href="/login">Agent inbox</a></nav>
<h1>{{.Heading}}</h1><p>{{.Body}}</p>
<script src="/livechat/widget.js" async></script>
</body></html>`))

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent sign-in · Acme</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}button{font:inherit;margin:.25rem 0;padding:.5rem 1rem}</style>
</head><body>
<h1>Demo agent sign-in</h1>
<p>This demo has no passwords. Pick an agent; the inbox opens.</p>
<form method="post" action="/login">
<button name="as" value="ada">Sign in as Ada Lovelace</button><br>
<button name="as" value="grace">Sign in as Grace Hopper</button><br>
<button name="as" value="katherine">Sign in as Katherine Johnson</button>
</form>
<p>Ada and Katherine may also edit the chatflows: the inbox links them to the editor.</p>
</body></html>`))

// demoReplies are the saved replies a new demo starts with: agents type
// "/" in the inbox's composer to use them; Ada edits them under *Saved
// replies*.
var demoReplies = []*livechat.SavedReply{
	{ID: "hello", Shortcut: "hello", Text: "Hi! Thanks for getting in touch. How can I help?"},
	{ID: "pricing", Shortcut: "pricing", Text: "Our plans and what they include are at /pricing; I'm happy to help you choose."},
	{ID: "bye", Shortcut: "bye", Text: "Thanks for chatting with us. Have a great day!"},
}

// seedReplies stores demoReplies when the Storage keeps saved replies and
// has none yet.
func seedReplies(ctx context.Context, store livechat.Storage) error {
	rs, ok := store.(livechat.SavedReplyStore)
	if !ok {
		return nil
	}
	have, err := rs.SavedReplies(ctx)
	if err != nil || len(have) > 0 {
		return err
	}
	for _, r := range demoReplies {
		r := *r
		r.UpdatedAt = time.Now().UTC()
		if err := rs.CreateSavedReply(ctx, &r); err != nil {
			return err
		}
	}
	return nil
}
