package livechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
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
	cfg     Config
	store   Storage
	broker  transport.Broker
	log     *slog.Logger
	now     func() time.Time
	mux     *http.ServeMux
	static  *staticFiles
	hub     *hub
	unsub   func()
	ownsBrk bool
	limits  *limits
	typists *typingGate
	flows   flowCache
	assignState

	// convLocks serialises append+publish per conversation on this node so
	// that live events leave in sequence order.
	convLocks [64]sync.Mutex

	// agentsSeen caches agent profiles already stored, by id.
	agentsMu   sync.Mutex
	agentsSeen map[string]Agent

	ctx      context.Context // cancelled by Close; parent of connection contexts
	cancel   context.CancelFunc
	wg       sync.WaitGroup // live connections and long polls
	closeMu  sync.Mutex
	closing  bool
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
	h := &Handler{
		cfg:        cfg,
		store:      cfg.Storage,
		broker:     cfg.Broker,
		log:        cfg.Logger,
		now:        cfg.Now,
		agentsSeen: make(map[string]Agent),
		assignState: assignState{
			lastAssigned: make(map[string]time.Time),
			waitNotified: make(map[string]bool),
		},
		typists: newTypingGate(),
	}
	proxies, _ := parseProxies(cfg.TrustedProxies) // checked by withDefaults
	h.limits = newLimits(cfg, proxies)
	if h.broker == nil {
		h.broker = transport.NewLocalBroker()
		h.ownsBrk = true
	}
	h.static, err = loadStatic()
	if err != nil {
		return nil, fmt.Errorf("livechat: load web files: %w", err)
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.hub = newHub(func(err error) { h.log.Error("livechat: event", "err", err) })
	h.unsub, err = h.broker.Subscribe(eventsTopic, h.hub.receive)
	if err != nil {
		h.cancel()
		return nil, fmt.Errorf("livechat: subscribe to broker: %w", err)
	}
	seedCtx, cancelSeed := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelSeed()
	if err := h.seedFlows(seedCtx); err != nil {
		h.unsub()
		h.cancel()
		return nil, fmt.Errorf("livechat: store chatflows: %w", err)
	}
	h.routes()
	h.wg.Add(2)
	go h.ticker()
	go h.typingTicker()
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
	h.closeMu.Lock()
	if !h.closing {
		h.closing = true
		h.hub.closeAll()
		h.cancel()
		h.unsub()
		if h.ownsBrk {
			h.closeErr = h.broker.Close()
		}
	}
	h.closeMu.Unlock()

	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return h.closeErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// track registers a request-scoped goroutine that Close waits for. It
// returns false when the Handler is closing.
func (h *Handler) track() bool {
	h.closeMu.Lock()
	defer h.closeMu.Unlock()
	if h.closing {
		return false
	}
	h.wg.Add(1)
	return true
}

// ServeHTTP serves the widget, the APIs, the WebSockets and the inbox
// under the Handler's mount path. A path that is not clean (an empty,
// "." or ".." segment, also when encoded as in "..%2f", or a backslash)
// is not found: it is never redirected, so no answer points outside the
// mount.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := h.relativePath(r)
	if !ok || !cleanPath(strings.TrimSuffix(r.URL.Path, rest)) || !cleanPath("/"+rest) {
		writeError(w, r, errNoRoute)
		return
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = "/" + rest
	u.RawPath = ""
	r2.URL = &u
	r2 = r2.WithContext(context.WithValue(r.Context(), mountKey{}, strings.TrimSuffix(r.URL.Path, rest)))
	h.mux.ServeHTTP(w, r2)
}

func (h *Handler) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /widget.js", h.serveStatic("widget.js"))
	m.HandleFunc("GET /widget.css", h.serveStatic("widget.css"))
	m.HandleFunc("GET /inbox", func(w http.ResponseWriter, r *http.Request) {
		// Relative to the URL the browser asked for, whatever the mount.
		w.Header().Set("Location", "inbox/")
		w.WriteHeader(http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /inbox/", h.serveStatic("inbox/index.html"))
	m.HandleFunc("GET /inbox/inbox.js", h.serveStatic("inbox/inbox.js"))
	m.HandleFunc("GET /inbox/inbox.css", h.serveStatic("inbox/inbox.css"))

	m.HandleFunc("POST /api/v1/visitor/config", h.visitorConfig)
	m.HandleFunc("POST /api/v1/visitor/conversations", h.visitorAuth(h.visitorStart))
	m.HandleFunc("POST /api/v1/visitor/email", h.visitorAuth(h.visitorEmail))
	m.HandleFunc("POST /api/v1/visitor/consent", h.visitorAuth(h.visitorConsent))
	m.HandleFunc("GET /api/v1/visitor/knowledge/search", h.visitorAuth(h.visitorHelpSearch))
	m.HandleFunc("GET /api/v1/visitor/knowledge/articles/{id}", h.visitorAuth(h.visitorHelpArticle))
	m.HandleFunc("GET /api/v1/visitor/conversations", h.visitorAuth(h.visitorList))
	m.HandleFunc("GET /api/v1/visitor/conversations/{id}/messages", h.visitorAuth(h.visitorMessages))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/messages", h.visitorAuth(h.visitorSend))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/read", h.visitorAuth(h.visitorRead))
	m.HandleFunc("GET /api/v1/visitor/conversations/{id}/queue", h.visitorAuth(h.visitorQueue))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/survey", h.visitorAuth(h.visitorSurvey))
	m.HandleFunc("POST /api/v1/visitor/conversations/{id}/typing", h.visitorAuth(h.visitorTyping))
	m.HandleFunc("GET /api/v1/visitor/ws", h.visitorAuth(h.visitorWS))
	m.HandleFunc("GET /api/v1/visitor/poll", h.visitorAuth(h.visitorPoll))

	m.HandleFunc("GET /api/v1/agent/me", h.agentAuth(h.agentMe))
	m.HandleFunc("PUT /api/v1/agent/presence", h.agentAuth(h.agentPresence))
	m.HandleFunc("GET /api/v1/agent/agents", h.agentAuth(h.agentAgents))
	m.HandleFunc("GET /api/v1/agent/conversations", h.agentAuth(h.agentList))
	m.HandleFunc("GET /api/v1/agent/conversations/{id}", h.agentAuth(h.agentThread))
	m.HandleFunc("GET /api/v1/agent/conversations/{id}/messages", h.agentAuth(h.agentMessages))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/messages", h.agentAuth(h.agentSend))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/close", h.agentAuth(h.agentClose))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/assign", h.agentAuth(h.agentAssign))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/read", h.agentAuth(h.agentRead))
	m.HandleFunc("POST /api/v1/agent/conversations/{id}/typing", h.agentAuth(h.agentTyping))
	m.HandleFunc("GET /api/v1/agent/ws", h.agentAuth(h.agentWS))
	m.HandleFunc("GET /api/v1/agent/poll", h.agentAuth(h.agentPoll))

	m.HandleFunc("GET /api/v1/admin/chatflows", h.adminAuth(h.adminList))
	m.HandleFunc("POST /api/v1/admin/chatflows", h.adminAuth(h.adminCreate))
	m.HandleFunc("GET /api/v1/admin/chatflows/{id}", h.adminAuth(h.adminGet))
	m.HandleFunc("PUT /api/v1/admin/chatflows/{id}", h.adminAuth(h.adminUpdate))
	m.HandleFunc("DELETE /api/v1/admin/chatflows/{id}", h.adminAuth(h.adminDelete))
	m.HandleFunc("POST /api/v1/admin/chatflows/{id}/publish", h.adminAuth(h.adminPublish(true)))
	m.HandleFunc("POST /api/v1/admin/chatflows/{id}/unpublish", h.adminAuth(h.adminPublish(false)))
	m.HandleFunc("GET /api/v1/admin/chatflows/{id}/preview", h.adminAuth(h.adminPreview))

	m.HandleFunc("GET /api/v1/admin/visitors/{id}/export", h.dataAuth(h.adminExport))
	m.HandleFunc("DELETE /api/v1/admin/visitors/{id}", h.dataAuth(h.adminErase))

	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := h.allowedMethods(r); allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, r, publicf(errMethodNotAllowed, "method not allowed"))
			return
		}
		writeError(w, r, errNoRoute)
	})
	h.mux = m
}

var errNoRoute = publicf(ErrNotFound, "no such route")

var errShuttingDown = errors.New("livechat: shutting down")
