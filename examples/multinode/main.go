// Command multinode runs two chat nodes in one process, as two replicas of
// a web application would run on two machines: each has its own
// PostgreSQL pool and its own broker connection, and listens on its own
// port. A small round-robin load balancer listens in front of them.
//
//	go run ./examples/multinode -broker redis
//
// Then open the site on node 1 (http://localhost:8081) and click the chat
// button, and in a second window sign in as a demo agent on node 2
// (http://localhost:8082/login). Every page says which node served it.
// Through the balancer (http://localhost:8080) each request, WebSockets
// included, goes to the next node in turn.
//
// Flags: -postgres (default $LIVECHAT_POSTGRES, or a local database),
// -broker redis|nats|postgres with -redis and -nats, -addr for the
// balancer and -node1, -node2 for the nodes. Both nodes must sign visitor
// tokens with the same secret: set LIVECHAT_SECRET to 64 hex digits to
// keep visitors signed in across restarts; without it the program makes
// one for this run.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/natsbroker"
	"github.com/golivechat/livechat/transport/pgbroker"
	"github.com/golivechat/livechat/transport/redisbroker"
)

// config is what the flags set.
type config struct {
	Postgres string // DSN
	Broker   string // "redis", "nats" or "postgres"
	Redis    string // host:port
	NATS     string // URL
	// Schema is the PostgreSQL schema of the storage (and of pgbroker's
	// large payloads); Prefix, when set, the brokers' topic prefix.
	// Deployments sharing a database or a broker set their own.
	Schema, Prefix string
	Secret         []byte
}

func main() {
	dsn := os.Getenv("LIVECHAT_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	var cfg config
	flag.StringVar(&cfg.Postgres, "postgres", dsn, "PostgreSQL DSN (default $LIVECHAT_POSTGRES)")
	flag.StringVar(&cfg.Broker, "broker", "redis", "broker between the nodes: redis, nats or postgres")
	flag.StringVar(&cfg.Redis, "redis", "127.0.0.1:6379", "Redis address, for -broker redis")
	flag.StringVar(&cfg.NATS, "nats", "nats://127.0.0.1:4222", "NATS URL, for -broker nats")
	flag.StringVar(&cfg.Schema, "schema", postgres.DefaultSchema, "PostgreSQL schema of the chat's tables")
	addr := flag.String("addr", ":8080", "address of the load balancer")
	node1 := flag.String("node1", ":8081", "address of node 1")
	node2 := flag.String("node2", ":8082", "address of node 2")
	flag.Parse()

	secret, err := loadSecret()
	if err != nil {
		log.Fatal(err)
	}
	cfg.Secret = secret
	var lns []net.Listener
	for _, a := range []string{*addr, *node1, *node2} {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			log.Fatal(err)
		}
		lns = append(lns, ln)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, lns[0], lns[1:]); err != nil {
		log.Fatal(err)
	}
}

// loadSecret decodes $LIVECHAT_SECRET, or makes a secret for this run.
func loadSecret() ([]byte, error) {
	if s := os.Getenv("LIVECHAT_SECRET"); s != "" {
		return hex.DecodeString(s)
	}
	log.Print("LIVECHAT_SECRET is not set: visitors are signed out when the program restarts")
	secret := make([]byte, 32)
	rand.Read(secret)
	return secret, nil
}

// run serves one node on each of nodeLns and the balancer on lbLn until
// ctx is done, then shuts everything down.
func run(ctx context.Context, cfg config, lbLn net.Listener, nodeLns []net.Listener) error {
	defer lbLn.Close() // when a node fails to start; Shutdown closes them otherwise
	for _, ln := range nodeLns {
		defer ln.Close()
	}
	links := []link{{"balancer", baseURL(lbLn)}}
	for i, ln := range nodeLns {
		links = append(links, link{fmt.Sprintf("node %d", i+1), baseURL(ln)})
	}

	var nodes []*node
	defer func() {
		for _, n := range nodes {
			n.close()
		}
	}()
	var servers []*http.Server
	var targets []*url.URL
	for i := range nodeLns {
		n, err := startNode(ctx, cfg, fmt.Sprintf("node %d", i+1), links)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
		servers = append(servers, &http.Server{Handler: n.site, ReadHeaderTimeout: 10 * time.Second})
		target, _ := url.Parse(links[i+1].URL)
		targets = append(targets, target)
	}
	lb := &http.Server{Handler: balancer(targets), ReadHeaderTimeout: 10 * time.Second}

	errc := make(chan error, len(servers)+1)
	serve := func(srv *http.Server, ln net.Listener) {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}
	go serve(lb, lbLn)
	for i, srv := range servers {
		go serve(srv, nodeLns[i])
	}
	log.Printf("%s broker; balancer on %s, node 1 on %s, node 2 on %s",
		cfg.Broker, links[0].URL, links[1].URL, links[2].URL)
	log.Printf("visitor on node 1: %s/  agent on node 2: %s/login", links[1].URL, links[2].URL)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	log.Print("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The chats first: they close their WebSockets, which the servers do
	// not track, and end their long polls, which the balancer waits for.
	for _, n := range nodes {
		n.chat.Shutdown(shutdown)
	}
	lb.Shutdown(shutdown)
	for _, srv := range servers {
		srv.Shutdown(shutdown)
	}
	return err
}

// node is one replica of the application: its own storage pool, broker
// connection and chat Handler, and the site around them.
type node struct {
	store  *postgres.Store
	broker transport.Broker
	chat   *livechat.Handler
	site   http.Handler
}

func startNode(ctx context.Context, cfg config, name string, links []link) (*node, error) {
	n := &node{}
	var err error
	if n.store, err = postgres.Open(ctx, cfg.Postgres, postgres.WithSchema(cfg.Schema)); err != nil {
		return nil, err
	}
	if n.broker, err = openBroker(ctx, cfg); err != nil {
		n.close()
		return nil, err
	}
	n.chat, err = livechat.New(livechat.Config{
		Storage:   n.store,
		Broker:    n.broker,
		Secret:    cfg.Secret,
		AgentAuth: agentFromRequest,
		Title:     "Acme support",
		Welcome:   "Hi! Ask us anything about Acme.",
		// The balancer says who the client is in X-Forwarded-For; the
		// per-IP limits count that address for requests from it.
		TrustedProxies: []string{"127.0.0.1", "::1"},
	})
	if err != nil {
		n.close()
		return nil, err
	}
	n.site = newSite(name, links, n.chat)
	return n, nil
}

// close releases what the node holds, the chat Handler first.
func (n *node) close() {
	if n.chat != nil {
		n.chat.Close()
	}
	if n.broker != nil {
		n.broker.Close()
	}
	n.store.Close()
}

func openBroker(ctx context.Context, cfg config) (transport.Broker, error) {
	switch cfg.Broker {
	case "redis":
		var opts []redisbroker.Option
		if cfg.Prefix != "" {
			opts = append(opts, redisbroker.WithPrefix(cfg.Prefix))
		}
		return redisbroker.Open(ctx, cfg.Redis, opts...)
	case "nats":
		var opts []natsbroker.Option
		if cfg.Prefix != "" {
			opts = append(opts, natsbroker.WithPrefix(cfg.Prefix))
		}
		return natsbroker.Connect(cfg.NATS, opts...)
	case "postgres":
		opts := []pgbroker.Option{pgbroker.WithSchema(cfg.Schema)}
		if cfg.Prefix != "" {
			opts = append(opts, pgbroker.WithPrefix(cfg.Prefix))
		}
		return pgbroker.Open(ctx, cfg.Postgres, opts...)
	}
	return nil, fmt.Errorf("unknown broker %q: want redis, nats or postgres", cfg.Broker)
}

// balancer sends each request, WebSockets included, to the next of
// targets in turn.
func balancer(targets []*url.URL) http.Handler {
	var next atomic.Uint64
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[(next.Add(1)-1)%uint64(len(targets))])
			r.SetXForwarded()
			// Keep the Host the browser asked for: a node accepts
			// WebSockets from pages of its own origin, which is the
			// balancer's.
			r.Out.Host = r.In.Host
		},
	}
}

// link is one of the demo's servers, shown on every page.
type link struct{ Name, URL string }

// baseURL is the URL a browser on this machine reaches ln at.
func baseURL(ln net.Listener) string {
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// demoAgents are the team members a visitor to /login can sign in as.
var demoAgents = map[string]*livechat.Agent{
	"ada":   {ID: "ada", Name: "Ada Lovelace", Email: "ada@example.com", Capacity: 3, Permissions: []string{livechat.PermissionManageChatflows}},
	"grace": {ID: "grace", Name: "Grace Hopper", Email: "grace@example.com", Capacity: 3},
}

// agentFromRequest is the host's own login: here a cookie set by /login.
// Browsers send a host's cookies to all its ports, so an agent signed in
// on one node is signed in on the others too, as behind a real balancer.
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

// newSite is one node's site: a page with the chat's script tag, the
// demo login, and the chat. Every response says which node served it in
// an X-Served-By header; the pages say it in a banner too.
func newSite(name string, links []link, chat *livechat.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/livechat/", chat)
	data := pageData{Node: name, Links: links}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		sitePage.Execute(w, data)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		loginPage.Execute(w, data)
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", name)
		mux.ServeHTTP(w, r)
	})
}

type pageData struct {
	Node  string
	Links []link
}

const head = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}
#served-by{background:#fef3c7;border:1px solid #f59e0b;border-radius:.5rem;padding:.5rem 1rem}
button{font:inherit;margin:.25rem 0;padding:.5rem 1rem}</style>`

const nav = `<p id="served-by">Served by <strong>{{.Node}}</strong>.
{{range .Links}} <a href="{{.URL}}/">{{.Name}}</a> (<a href="{{.URL}}/login">inbox</a>){{end}}</p>`

var sitePage = template.Must(template.New("site").Parse(head + `<title>Acme</title></head><body>` + nav + `
<h1>Welcome to Acme</h1>
<p>We make anvils that never miss. Questions? Open the chat in the corner,
and answer yourself from the inbox of the other node.</p>
<script src="/livechat/widget.js" async></script>
</body></html>`))

var loginPage = template.Must(template.New("login").Parse(head + `<title>Agent sign-in · Acme</title></head><body>` + nav + `
<h1>Demo agent sign-in</h1>
<p>This demo has no passwords. Pick an agent; the inbox opens.</p>
<form method="post" action="/login">
<button name="as" value="ada">Sign in as Ada Lovelace</button><br>
<button name="as" value="grace">Sign in as Grace Hopper</button>
</form>
</body></html>`))
