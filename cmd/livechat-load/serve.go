package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/storage/postgres"
	"github.com/golivechat/livechat/storage/sqlite"
)

// serveOptions are the flags of the hidden `serve` subcommand, the child
// process the load runs against.
type serveOptions struct {
	mode        string // livechat, hub, idle, connect or rawinsert
	storage     string
	dir         string
	postgres    string
	schema      string
	agentHeader string
	sendQueue   int
	cpuProfile  string
	duration    time.Duration
	batch       int
	textSize    int
	// conversations is the number of conversations the rawinsert mode's
	// batched rows go to in turn.
	conversations int
}

// serveMain runs the child: it serves on 127.0.0.1, prints "listening
// <base URL>" and runs until stdin closes. The rawinsert mode instead
// prints one JSON line of results and exits.
func serveMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := &serveOptions{}
	fs := flag.NewFlagSet("livechat-load serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.mode, "mode", "livechat", "livechat, hub, idle, connect or rawinsert")
	fs.StringVar(&o.storage, "storage", "memory", "memory, sqlite or postgres")
	fs.StringVar(&o.dir, "dir", "", "directory of the SQLite file")
	fs.StringVar(&o.postgres, "postgres", "", "PostgreSQL DSN")
	fs.StringVar(&o.schema, "schema", "", "PostgreSQL schema, dropped on exit")
	fs.StringVar(&o.agentHeader, "agent-header", "X-Load-Agent", "header naming the agent")
	fs.IntVar(&o.sendQueue, "send-queue", 0, "Config.SendQueueSize")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "CPU profile file, written between /_load/profile?start=1 and ?stop=1")
	fs.DurationVar(&o.duration, "duration", time.Second, "rawinsert: how long each loop runs")
	fs.IntVar(&o.batch, "batch", 50, "rawinsert: rows per batched transaction")
	fs.IntVar(&o.conversations, "conversations", 50, "rawinsert: conversations the batched rows go to in turn")
	fs.IntVar(&o.textSize, "text-size", 200, "rawinsert: bytes of text per row")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	raiseFileLimit()
	ctx := context.Background()
	if o.mode == "rawinsert" {
		res, err := rawInsert(ctx, o)
		if err != nil {
			fmt.Fprintln(stderr, "rawinsert:", err)
			return 1
		}
		json.NewEncoder(stdout).Encode(res)
		return 0
	}

	mux := http.NewServeMux()
	prof := &profiler{path: o.cpuProfile}
	mux.HandleFunc("/_load/stats", serveStats)
	mux.Handle("/_load/profile", prof)
	var cleanup []func()
	switch o.mode {
	case "livechat":
		store, drop, err := openStorage(ctx, o)
		if err != nil {
			fmt.Fprintln(stderr, "serve:", err)
			return 1
		}
		cleanup = append(cleanup, drop)
		secret := make([]byte, 32)
		rand.Read(secret)
		header := o.agentHeader
		chat, err := livechat.New(livechat.Config{
			Storage: store,
			Secret:  secret,
			AgentAuth: func(r *http.Request) (*livechat.Agent, error) {
				id := r.Header.Get(header)
				if id == "" {
					return nil, errors.New("no agent header")
				}
				return &livechat.Agent{ID: id, Name: "Agent " + id}, nil
			},
			Logger:              slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
			VisitorRate:         -1,
			IPMessageRate:       -1,
			NewVisitorRate:      -1,
			NewConversationRate: -1,
			MaxConnsPerVisitor:  -1,
			MaxConnsPerIP:       -1,
			SendQueueSize:       o.sendQueue,
		})
		if err != nil {
			drop()
			fmt.Fprintln(stderr, "serve:", err)
			return 1
		}
		mux.Handle("/livechat/", chat)
		// Close the Handler before the storage goes.
		cleanup = append([]func(){func() { chat.Close() }}, cleanup...)
	case "hub":
		h := &bareHub{}
		mux.Handle("/ws", h)
	case "idle":
		mux.HandleFunc("/ws", bareIdle)
	case "connect":
		mux.HandleFunc("/ws", bareConnect)
	default:
		fmt.Fprintf(stderr, "serve: unknown -mode %q\n", o.mode)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "serve:", err)
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second, ErrorLog: nil}
	go srv.Serve(ln)
	fmt.Fprintf(stdout, "listening http://%s/\n", ln.Addr())
	// The parent closes stdin to stop the child (and so does its death).
	io.Copy(io.Discard, stdin)
	prof.stop()
	srv.Close()
	for _, f := range cleanup {
		f()
	}
	return 0
}

// openStorage opens the child's Storage; drop closes it and removes what
// it created.
func openStorage(ctx context.Context, o *serveOptions) (livechat.Storage, func(), error) {
	switch o.storage {
	case "memory":
		s := memory.New()
		return s, func() { s.Close() }, nil
	case "sqlite":
		dir := o.dir
		if dir == "" {
			return nil, nil, errors.New("-storage sqlite needs -dir")
		}
		s, err := sqlite.Open(filepath.Join(dir, "livechat.db"))
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	case "postgres":
		if o.postgres == "" || o.schema == "" {
			return nil, nil, errors.New("-storage postgres needs -postgres and -schema")
		}
		s, err := postgres.Open(ctx, o.postgres, postgres.WithSchema(o.schema))
		if err != nil {
			return nil, nil, err
		}
		return s, func() {
			s.Close()
			dropSchema(o.postgres, o.schema)
		}, nil
	}
	return nil, nil, fmt.Errorf("unknown storage %q", o.storage)
}

// serverStats is what the child's control endpoint reports.
type serverStats struct {
	HeapInuse  uint64 `json:"heapInuse"`
	StackInuse uint64 `json:"stackInuse"`
	RSS        uint64 `json:"rss"`
	Goroutines int    `json:"goroutines"`
	// CPU is user plus system time in microseconds, from getrusage.
	CPU        int64 `json:"cpuMicros"`
	GOMAXPROCS int   `json:"gomaxprocs"`
}

func serveStats(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("gc") != "" {
		runtime.GC()
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := serverStats{
		HeapInuse:  ms.HeapInuse,
		StackInuse: ms.StackInuse,
		RSS:        selfRSS(),
		Goroutines: runtime.NumGoroutine(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.CPU = ru.Utime.Nano()/1000 + ru.Stime.Nano()/1000
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s)
}

// selfRSS is the resident set size from /proc/self/statm, 0 elsewhere.
func selfRSS() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// profiler writes a CPU profile between a start and a stop request, so that
// the setup of a run stays out of it.
type profiler struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func (p *profiler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.path == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.URL.Query().Get("start") != "" {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.f != nil {
			return
		}
		f, err := os.Create(p.path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		p.f = f
		return
	}
	p.stop()
}

func (p *profiler) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f != nil {
		pprof.StopCPUProfile()
		p.f.Close()
		p.f = nil
	}
}

// The first frame the bare servers send, as long as ours.
var readyFrame = []byte(`{"type":"ready","protocol":1}`)

// bareHub is the rooms ceiling: every frame a visitor sends goes to every
// agent connection (the two agents of each room) and back to the visitor
// (the echo), with nothing decoded or stored.
type bareHub struct {
	mu     sync.RWMutex
	agents map[*websocket.Conn]struct{}
}

func (h *bareHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(64 << 10)
	ctx := context.Background()
	if err := c.Write(ctx, websocket.MessageText, readyFrame); err != nil {
		return
	}
	if r.URL.Query().Get("role") == "agent" {
		h.mu.Lock()
		if h.agents == nil {
			h.agents = map[*websocket.Conn]struct{}{}
		}
		h.agents[c] = struct{}{}
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			delete(h.agents, c)
			h.mu.Unlock()
		}()
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}
	var agents []*websocket.Conn
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		agents = agents[:0]
		h.mu.RLock()
		for a := range h.agents {
			agents = append(agents, a)
		}
		h.mu.RUnlock()
		for _, a := range agents {
			a.Write(ctx, websocket.MessageText, data)
		}
		if err := c.Write(ctx, websocket.MessageText, data); err != nil {
			return
		}
	}
}

// bareIdle is the idle floor: accept, then read until the client goes.
func bareIdle(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer c.CloseNow()
	for {
		if _, _, err := c.Read(context.Background()); err != nil {
			return
		}
	}
}

// bareConnect is the connect ceiling: accept, send one frame, read until
// the client goes.
func bareConnect(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := context.Background()
	if err := c.Write(ctx, websocket.MessageText, readyFrame); err != nil {
		return
	}
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return
		}
	}
}
