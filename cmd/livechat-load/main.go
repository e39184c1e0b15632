package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// childEnv marks a process started by the tool as its server child, so that
// a test binary can serve as the child too (see main_test.go).
const childEnv = "LIVECHAT_LOAD_CHILD"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(serveMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	scenario    string
	url         string
	agentHeader string
	storage     string
	postgres    string
	serverCPU   string
	loadCPU     string
	cpuProfile  string
	nice        int
	jsonOut     bool
	quiet       bool

	rooms      int
	rate       float64
	rates      string
	findSat    bool
	duration   time.Duration
	warmup     time.Duration
	textSize   int
	sendQueue  int
	maxSatRate float64
	drain      time.Duration
	repeat     int

	idleConns int

	senders         int
	persistStorages string
	batch           int

	connectClients int

	// exe and childArgs start the server child; tests replace them.
	exe     string
	timeout time.Duration
	log     io.Writer
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("livechat-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenario, "scenario", "rooms", "what to run: rooms, idle, persist, connect or all")
	fs.StringVar(&o.url, "url", "", "drive an existing server mounted at this URL (such as http://127.0.0.1:8080/livechat/) instead of starting one; its CPU is then not measured")
	fs.StringVar(&o.agentHeader, "agent-header", "X-Load-Agent", "header carrying the agent id; the started server's AgentAuth reads it, a -url server's AgentAuth must accept it")
	fs.StringVar(&o.storage, "storage", "memory", "storage of the started server for rooms, idle and connect: memory, sqlite or postgres")
	fs.StringVar(&o.postgres, "postgres", os.Getenv("LIVECHAT_TEST_POSTGRES"), "PostgreSQL DSN for -storage postgres and persist (default $LIVECHAT_TEST_POSTGRES)")
	fs.StringVar(&o.serverCPU, "server-cpu", "", "pin the server child to these CPUs (taskset list such as 0 or 0-1); its GOMAXPROCS is their count")
	fs.StringVar(&o.loadCPU, "load-cpu", "", "pin the load generator to these CPUs (taskset list)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of each started livechat server (and of the connect ceiling) to this file (the scenario and step are added to the name)")
	fs.IntVar(&o.nice, "nice", 0, "run the server children and the load generator at this nice value (negative needs root), to keep other work on a shared machine from preempting them")
	fs.BoolVar(&o.jsonOut, "json", false, "print the results as JSON instead of tables")
	fs.BoolVar(&o.quiet, "q", false, "do not print progress to stderr")

	fs.IntVar(&o.rooms, "rooms", 1000, "rooms: conversations, each with one visitor connection")
	fs.Float64Var(&o.rate, "rate", 2000, "rooms: offered messages per second (open loop), spread over the conversations")
	fs.StringVar(&o.rates, "rates", "", "rooms: comma-separated offered rates to step through (instead of -rate)")
	fs.BoolVar(&o.findSat, "find-saturation", false, "rooms: double the rate from -rate until deliveries/s stop rising or p99 passes 100 ms, then measure p99 at half of saturation")
	fs.Float64Var(&o.maxSatRate, "max-rate", 64000, "rooms: the highest rate -find-saturation tries")
	fs.IntVar(&o.repeat, "repeat", 1, "rooms and connect: run each measurement this many times, alternating ours and the ceiling, and show the medians")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each measurement lasts")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "load before each measurement starts, not counted")
	fs.DurationVar(&o.drain, "drain", 5*time.Second, "rooms: how long after the last message was due a message may still arrive before it counts as lost")
	fs.IntVar(&o.textSize, "text-size", 200, "rooms and persist: bytes of message text")
	fs.IntVar(&o.sendQueue, "send-queue", 0, "the started server's Config.SendQueueSize (0: its default)")

	fs.IntVar(&o.idleConns, "conns", 5000, "idle: visitor connections")

	fs.IntVar(&o.senders, "senders", 50, "persist: senders, each waiting for its ack before sending again")
	fs.StringVar(&o.persistStorages, "storages", "", "persist: storages to measure (default memory,sqlite and postgres when a DSN is given)")
	fs.IntVar(&o.batch, "batch", 0, "persist: rows per transaction of the batched raw-insert ceiling, one for each of that many conversations (0: -senders, the largest group the senders can form)")

	fs.IntVar(&o.connectClients, "clients", 16, "connect: concurrent clients")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "setup and drain timeout of each run")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: livechat-load [flags]\n\nDrives a livechat server with WebSocket clients and compares it with a bare\ncoder/websocket (or raw insert) ceiling measured in the same run.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch o.scenario {
	case "rooms", "idle", "persist", "connect", "all":
	default:
		return nil, fmt.Errorf("-scenario must be rooms, idle, persist, connect or all, not %q", o.scenario)
	}
	switch o.storage {
	case "memory", "sqlite":
	case "postgres":
		if o.postgres == "" {
			return nil, errors.New("-storage postgres needs -postgres or LIVECHAT_TEST_POSTGRES")
		}
	default:
		return nil, fmt.Errorf("-storage must be memory, sqlite or postgres, not %q", o.storage)
	}
	if o.rooms < 1 || o.repeat < 1 || o.idleConns < 1 || o.senders < 1 || o.connectClients < 1 {
		return nil, errors.New("-rooms, -repeat, -conns, -senders and -clients must be at least 1")
	}
	if o.batch < 0 {
		return nil, errors.New("-batch must not be negative")
	}
	if o.batch == 0 {
		o.batch = o.senders
	}
	if o.rate <= 0 || o.duration <= 0 || o.warmup < 0 || o.drain < 0 || o.textSize < 16 {
		return nil, errors.New("-rate and -duration must be positive, -warmup and -drain not negative, -text-size at least 16")
	}
	if o.url != "" {
		u, err := url.Parse(o.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("-url must be an http or https URL such as http://127.0.0.1:8080/livechat/, not %q", o.url)
		}
		if !strings.HasSuffix(o.url, "/") {
			o.url += "/"
		}
	}
	return o, nil
}

// run is the command: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "livechat-load:", err)
		return 2
	}
	o.log = stderr
	if o.quiet {
		o.log = io.Discard
	}
	raiseFileLimit()
	if o.nice != 0 {
		if err := niceSelf(o.nice); err != nil {
			fmt.Fprintln(stderr, "livechat-load: -nice:", err)
			return 1
		}
	}
	if o.loadCPU != "" {
		if err := pinSelf(o.loadCPU); err != nil {
			fmt.Fprintln(stderr, "livechat-load:", err)
		} else {
			n := cpuCount(o.loadCPU)
			runtime.GOMAXPROCS(n)
			fmt.Fprintf(o.log, "load generator pinned to CPU %s (GOMAXPROCS=%d)\n", o.loadCPU, n)
		}
	}
	if o.serverCPU != "" && !tasksetAvailable() {
		fmt.Fprintln(o.log, "taskset is not on PATH: the server runs unpinned")
	}
	rep, err := runScenarios(ctx, o)
	if rep != nil {
		if o.jsonOut {
			if err := writeJSON(stdout, rep); err != nil {
				fmt.Fprintln(stderr, "livechat-load:", err)
				return 1
			}
		} else {
			writeText(stdout, rep)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "livechat-load:", err)
		return 1
	}
	return 0
}

// runScenarios runs what -scenario names and collects their tables.
func runScenarios(ctx context.Context, o *options) (*report, error) {
	rep := newReport(o)
	names := []string{o.scenario}
	if o.scenario == "all" {
		names = []string{"rooms", "idle", "persist", "connect"}
	}
	for _, name := range names {
		var t *table
		var err error
		switch name {
		case "rooms":
			t, err = runRooms(ctx, o)
		case "idle":
			t, err = runIdle(ctx, o)
		case "persist":
			t, err = runPersist(ctx, o)
		case "connect":
			t, err = runConnect(ctx, o)
		}
		if t != nil {
			rep.Tables = append(rep.Tables, t)
		}
		if err != nil {
			return rep, fmt.Errorf("%s: %w", name, err)
		}
	}
	return rep, nil
}

func (o *options) logf(format string, args ...any) {
	if o.log != nil {
		fmt.Fprintf(o.log, format+"\n", args...)
	}
}
