package livechat

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golivechat/livechat/transport"
)

// Handler is the live chat: an http.Handler that serves the widget, the
// visitor and agent APIs, their WebSockets and the inbox, and the host's Go
// API for conversations. Build it with New and mount it under any prefix:
//
//	mux.Handle("/livechat/", chat)
//
// It is safe for concurrent use.
type Handler struct {
	cfg      Config
	eng      *engine     // conversations: the engine (engine*.go)
	editor   *flowEditor // chatflow changes (engine_chatflows.go)
	visitors *visitors   // visitors and contacts (engine_visitors.go)
	hub      *hub        // fan-out to this node's connections (hub.go)
	srv      *server     // the HTTP and WebSocket endpoints (http*.go)
	mux      *http.ServeMux
	life     *lifecycle
	broker   transport.Broker
	ownsBrk  bool
	unsub    func()
	unstate  func()
	lostAt   atomic.Int64 // when the broker last lost its connection, in Unix nanoseconds
	metrics  *metrics
	closeErr error
}

// New validates cfg, fills its defaults and returns a ready Handler. It
// returns an error naming every invalid field. Call Close (or Shutdown)
// when done.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, broker: cfg.Broker, life: newLifecycle()}
	if h.broker == nil {
		h.broker = transport.NewLocalBroker()
		h.ownsBrk = true
	}
	static, err := loadStatic()
	if err != nil {
		return nil, fmt.Errorf("livechat: load web files: %w", err)
	}
	c := &h.cfg
	if h.metrics, err = newMetrics(c.MeterProvider, c.Now); err != nil {
		return nil, fmt.Errorf("livechat: metrics: %w", err)
	}
	codec := &eventCodec{}
	h.hub = newHub(h.broker, codec, func(err error) { c.Logger.Error("livechat: event", "err", err) })
	h.eng = newEngine(c, h.broker, codec, h.hub.agentIDs)
	routing, flows := h.eng.routing, h.eng.flows
	h.hub.metrics, h.eng.metrics, routing.metrics = h.metrics, h.metrics, h.metrics
	h.editor = &flowEditor{cfg: c, store: c.Storage, flows: flows, out: h.eng.out, now: c.Now}
	files := newAttachments(h.eng)
	h.visitors = &visitors{cfg: c, store: c.Storage, out: h.eng.out, flows: flows, now: c.Now, closeLive: h.hub.closeVisitor, files: files}
	proxies, _ := parseProxies(c.TrustedProxies) // checked by withDefaults
	srv := &server{
		cfg: c, log: c.Logger, now: c.Now, store: c.Storage,
		eng: h.eng, routing: routing, editor: h.editor, visitors: h.visitors,
		team:    &teamSettings{store: c.Storage, routing: routing, now: c.Now, flows: h.editor.list},
		chooser: &chooser{cfg: c, store: c.Storage, flows: flows, routing: routing, now: c.Now},
		flows:   flows, hub: h.hub, limits: newLimits(*c, proxies), static: static, life: h.life,
		pressure: &transport.Pressure{}, metrics: h.metrics, files: files,
	}
	srv.transcripts = newTranscripts(c, flows, h.life)
	srv.limits.count(h.metrics)
	for _, l := range []*keyedLimiter{srv.transcripts.perConversation, srv.transcripts.perVisitor, srv.transcripts.perIP} {
		h.metrics.countRefusals(l, limitTranscript)
	}
	// Chatflow changes made on any node reach this one's cache at once.
	h.unsub, err = h.broker.Subscribe(chatflowsTopic, func([]byte) { flows.invalidate() })
	if err != nil {
		h.life.cancel()
		return nil, fmt.Errorf("livechat: subscribe to broker: %w", err)
	}
	seedCtx, cancelSeed := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelSeed()
	if err := h.editor.seedFlows(seedCtx); err != nil {
		h.unsub()
		h.life.cancel()
		return nil, fmt.Errorf("livechat: store chatflows: %w", err)
	}
	if err := h.metrics.observe(c.MeterProvider, h.hub.count, routing.waiting); err != nil {
		h.unsub()
		h.life.cancel()
		return nil, fmt.Errorf("livechat: metrics: %w", err)
	}
	h.srv = srv
	h.mux = routes(srv, h.allowedMethods)
	if sn, ok := h.broker.(transport.StateNotifier); ok {
		h.unstate = sn.OnState(h.brokerState)
	}
	h.life.run(routing.run)
	h.life.run(h.eng.runTyping)
	h.life.run(h.eng.states.run)
	return h, nil
}

// Close closes every WebSocket with status 1001 (going away), ends pending
// long polls, and waits for their goroutines. It does not close the
// Storage, which the host owns.
func (h *Handler) Close() error {
	return h.Shutdown(context.Background())
}

// Shutdown is Close with a deadline: it returns ctx's error if connections
// are still finishing when ctx is done.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.life.close(func() {
		h.metrics.close()
		h.hub.closeAll()
		h.life.cancel()
		h.unsub()
		if h.unstate != nil {
			h.unstate()
		}
		if h.ownsBrk {
			h.closeErr = h.broker.Close()
		}
	})
	if err := h.life.wait(ctx); err != nil {
		return err
	}
	return h.closeErr
}

// ServeHTTP serves the widget, the APIs, the WebSockets and the inbox
// under the Handler's mount path. A path that is not clean (an empty,
// "." or ".." segment, also when encoded as in "..%2f", or a backslash)
// is not found: it is never redirected, so no answer points outside the
// mount.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := h.relativePath(r)
	mount, p := strings.TrimSuffix(r.URL.Path, rest), "/"+rest
	if !ok || !cleanPath(mount) || !cleanPath(p) {
		h.srv.countError(errNoRoute)
		writeError(w, r, errNoRoute)
		return
	}
	// WithContext copies the request; its URL is copied here.
	r2 := r.WithContext(context.WithValue(r.Context(), mountKey{}, mount))
	u := *r.URL
	u.Path = p
	u.RawPath = ""
	r2.URL = &u
	h.mux.ServeHTTP(w, r2)
}

// routes is the route table: every endpoint, the layer that serves it
// and the authorization it needs.
func routes(s *server, allowed func(*http.Request) string) *http.ServeMux {
	v, a, ad, hp, l := &visitorAPI{s}, &agentAPI{s}, &adminAPI{s}, &helpAPI{s}, &liveAPI{s}
	li := &listAPI{s}
	m := http.NewServeMux()
	m.HandleFunc("GET /widget.js", s.serveStatic("widget.js"))
	m.HandleFunc("GET /widget.css", s.serveStatic("widget.css"))
	m.HandleFunc("GET /chat.js", s.serveStatic("chat.js"))
	m.HandleFunc("GET /chat.css", s.serveStatic("chat.css"))
	m.HandleFunc("GET /inbox", func(w http.ResponseWriter, r *http.Request) {
		// Relative to the URL the browser asked for, whatever the mount.
		w.Header().Set("Location", "inbox/")
		w.WriteHeader(http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /inbox/", s.serveStatic("inbox/index.html"))
	m.HandleFunc("GET /inbox/inbox.js", s.serveStatic("inbox/inbox.js"))
	m.HandleFunc("GET /inbox/inbox.css", s.serveStatic("inbox/inbox.css"))
	m.HandleFunc("GET /inbox/panel.js", s.serveStatic("inbox/panel.js"))
	m.HandleFunc("GET /inbox/panel.css", s.serveStatic("inbox/panel.css"))
	m.HandleFunc("GET /inbox/replies.js", s.serveStatic("inbox/replies.js"))
	m.HandleFunc("GET /inbox/transfer.js", s.serveStatic("inbox/transfer.js"))
	m.HandleFunc("GET /inbox/chatflows", s.serveStatic("inbox/chatflows.html"))
	m.HandleFunc("GET /inbox/editor.js", s.serveStatic("inbox/editor.js"))
	m.HandleFunc("GET /inbox/editor.css", s.serveStatic("inbox/editor.css"))
	m.HandleFunc("GET /inbox/build.js", s.serveStatic("inbox/build.js"))
	m.HandleFunc("GET /inbox/options.js", s.serveStatic("inbox/options.js"))
	m.HandleFunc("GET /inbox/target.js", s.serveStatic("inbox/target.js"))
	m.HandleFunc("GET /inbox/hours.js", s.serveStatic("inbox/hours.js"))
	m.HandleFunc("GET /inbox/setup.js", s.serveStatic("inbox/setup.js"))
	m.HandleFunc("GET /inbox/preview.js", s.serveStatic("inbox/preview.js"))
	m.HandleFunc("GET /inbox/team", s.serveStatic("inbox/team.html"))
	m.HandleFunc("GET /inbox/team.js", s.serveStatic("inbox/team.js"))
	m.HandleFunc("GET /inbox/team.css", s.serveStatic("inbox/team.css"))

	m.HandleFunc("POST /api/v1/visitor/config", v.visitorConfig)
	m.HandleFunc("POST /api/v1/visitor/chat", s.visitorAuth(v.visitorChat))
	m.HandleFunc("POST /api/v1/visitor/forget", v.visitorForget)
	m.HandleFunc("POST /api/v1/visitor/conversations", s.visitorAuth(v.visitorStart))
	m.HandleFunc("POST /api/v1/visitor/email", s.visitorAuth(v.visitorEmail))
	m.HandleFunc("POST /api/v1/visitor/consent", s.visitorAuth(v.visitorConsent))
	m.HandleFunc("GET /api/v1/visitor/knowledge/search", s.visitorAuth(hp.visitorHelpSearch))
	m.HandleFunc("GET /api/v1/visitor/knowledge/articles/{id}", s.visitorAuth(hp.visitorHelpArticle))
	m.HandleFunc("GET /api/v1/visitor/conversations", s.visitorAuth(v.visitorList))
	m.HandleFunc("GET /api/v1/visitor/conversations/{id}/messages", s.visitorAuth(v.visitorMessages))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/messages", s.visitorAuth(v.visitorSend))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/read", s.visitorAuth(v.visitorRead))
	m.HandleFunc("GET /api/v1/visitor/conversations/{id}/queue", s.visitorAuth(v.visitorQueue))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/survey", s.visitorAuth(v.visitorSurvey))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/typing", s.visitorAuth(v.visitorTyping))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/transcript", s.visitorAuth(v.visitorTranscript))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/files", s.visitorAuth(v.visitorUpload))
	m.HandleFunc("GET /api/v1/visitor/files/{id}", s.visitorAuth(v.visitorFile))
	m.HandleFunc("GET /api/v1/visitor/ws", s.visitorAuth(l.visitorWS))
	m.HandleFunc("GET /api/v1/visitor/poll", s.visitorAuth(v.visitorPoll))

	m.HandleFunc("GET /api/v1/agent/me", s.agentAuth(a.agentMe))
	m.HandleFunc("PUT /api/v1/agent/presence", s.agentAuth(a.agentPresence))
	m.HandleFunc("GET /api/v1/agent/agents", s.agentAuth(a.agentAgents))
	m.HandleFunc("GET /api/v1/agent/teams", s.agentAuth(a.agentTeams))
	m.HandleFunc("GET /api/v1/agent/chatflows", s.agentAuth(li.agentChatflows))
	m.HandleFunc("GET /inbox/filters.js", s.serveStatic("inbox/filters.js"))
	m.HandleFunc("GET /inbox/states.js", s.serveStatic("inbox/states.js"))
	m.HandleFunc("GET /api/v1/agent/conversations", s.agentAuth(a.agentList))
	m.HandleFunc("GET /api/v1/agent/conversations/{id}", s.agentAuth(a.agentThread))
	m.HandleFunc("GET /api/v1/agent/conversations/{id}/messages", s.agentAuth(a.agentMessages))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/messages", s.agentAuth(a.agentSend))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/notes", s.agentAuth(a.agentNote))
	m.HandleFunc("GET /api/v1/agent/replies", s.agentAuth(a.agentReplies))
	m.HandleFunc("POST /api/v1/agent/replies", a.replyManager(a.replyCreate))
	m.HandleFunc("PUT /api/v1/agent/replies/{id}", a.replyManager(a.replyUpdate))
	m.HandleFunc("DELETE /api/v1/agent/replies/{id}", a.replyManager(a.replyDelete))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/close", s.agentAuth(a.agentClose))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/transfer", s.agentAuth(a.agentTransfer))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/state", s.agentAuth(li.agentState))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/assign", s.agentAuth(a.agentAssign))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/read", s.agentAuth(a.agentRead))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/typing", s.agentAuth(a.agentTyping))
	m.HandleFunc("GET /api/v1/agent/conversations/{id}/transcript", s.agentAuth(a.agentTranscript))
	m.HandleFunc("GET /api/v1/agent/conversations/{id}/visitor", s.agentAuth(a.agentVisitor))
	m.HandleFunc("PUT /api/v1/agent/conversations/{id}/contact", s.agentAuth(a.agentContact))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/files", s.agentAuth(a.agentUpload))
	m.HandleFunc("GET /api/v1/agent/files/{id}", s.agentAuth(a.agentFile))
	m.HandleFunc("GET /api/v1/agent/ws", s.agentAuth(l.agentWS))
	m.HandleFunc("GET /api/v1/agent/poll", s.agentAuth(a.agentPoll))

	m.HandleFunc("GET /api/v1/admin/chatflows", ad.adminAuth(ad.adminList))
	m.HandleFunc("POST /api/v1/admin/chatflows", ad.adminAuth(ad.adminCreate))
	m.HandleFunc("GET /api/v1/admin/chatflows/{id}", ad.adminAuth(ad.adminGet))
	m.HandleFunc("PUT /api/v1/admin/chatflows/{id}", ad.adminAuth(ad.adminUpdate))
	m.HandleFunc("DELETE /api/v1/admin/chatflows/{id}", ad.adminAuth(ad.adminDelete))
	m.HandleFunc("POST /api/v1/admin/chatflows/{id}/publish", ad.adminAuth(ad.adminPublish(true)))
	m.HandleFunc("POST /api/v1/admin/chatflows/{id}/unpublish", ad.adminAuth(ad.adminPublish(false)))
	m.HandleFunc("GET /api/v1/admin/chatflows/{id}/preview", ad.adminAuth(ad.adminPreview))
	m.HandleFunc("GET /api/v1/admin/texts", ad.adminAuth(ad.adminTexts))

	m.HandleFunc("GET /api/v1/admin/teams", ad.teamAuth(ad.teamList))
	m.HandleFunc("POST /api/v1/admin/teams", ad.teamAuth(ad.teamCreate))
	m.HandleFunc("PATCH /api/v1/admin/teams/{id}", ad.teamAuth(ad.teamRename))
	m.HandleFunc("DELETE /api/v1/admin/teams/{id}", ad.teamAuth(ad.teamDelete))
	m.HandleFunc("PUT /api/v1/admin/teams/{id}/members", ad.teamAuth(ad.teamMembers))
	m.HandleFunc("GET /api/v1/admin/agents", ad.teamAuth(ad.teamAgents))
	m.HandleFunc("PATCH /api/v1/admin/agents/{id}", ad.teamAuth(ad.teamAgentUpdate))

	m.HandleFunc("GET /api/v1/admin/visitors/{id}/export", ad.dataAuth(ad.adminExport))
	m.HandleFunc("DELETE /api/v1/admin/visitors/{id}", ad.dataAuth(ad.adminErase))

	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(r); allow != "" {
			w.Header().Set("Allow", allow)
			err := publicf(errMethodNotAllowed, "method not allowed")
			s.countError(err)
			writeError(w, r, err)
			return
		}
		s.countError(errNoRoute)
		writeError(w, r, errNoRoute)
	})
	return m
}

var errNoRoute = publicf(ErrNotFound, "no such route")

// brokerState follows the broker's connection. What this node published
// while it was lost may not have reached the other nodes, and what they
// published may not have reached this one: once it is back, this node
// reads the chatflows again, catches every live client of its own up from
// the Storage, then publishes its events of that time again.
func (h *Handler) brokerState(s transport.State) {
	switch s {
	case transport.StateDisconnected:
		h.lostAt.Store(h.cfg.Now().UnixNano())
		h.eng.out.setLost(true)
		h.cfg.Logger.Warn("livechat: broker connection lost; live events may be missed until it returns")
	case transport.StateConnected:
		h.eng.flows.invalidate()
		since := time.Unix(0, h.lostAt.Load())
		unsent := h.eng.out.setLost(false)
		if !h.life.track() {
			return
		}
		go func() {
			defer h.life.done()
			// This node's own clients first: reading the Storage is quick,
			// while publishing again may take a broker round trip per event.
			for _, c := range h.hub.clients() {
				c.catchUp(h.life.ctx, since)
			}
			h.eng.republish(h.life.ctx, unsent)
			h.cfg.Logger.Info("livechat: broker connection back; live clients caught up")
		}()
	}
}
