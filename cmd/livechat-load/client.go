package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// target is a server to drive: a livechat Handler mounted at base, or one
// of the bare ceilings at base (bare set).
type target struct {
	base        string // http://host:port/mount/
	bare        bool
	agentHeader string
	http        *http.Client
}

func newTarget(base string, bare bool, agentHeader string) *target {
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	return &target{base: base, bare: bare, agentHeader: agentHeader, http: &http.Client{Transport: tr, Timeout: time.Minute}}
}

func (t *target) close() { t.http.CloseIdleConnections() }

func (t *target) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(t.base, "http") + path
}

// origin is the server's own origin, for the page URL the visitor reports.
func (t *target) origin() string {
	u, err := url.Parse(t.base)
	if err != nil {
		return "http://127.0.0.1"
	}
	return u.Scheme + "://" + u.Host
}

// visitorCookie is the cookie the visitor token travels in (PROTOCOL.md,
// Visitor identity).
const visitorCookie = "livechat_visitor"

// visitorToken makes the widget's first call and returns the visitor
// token the server issued, from its cookie or, before cookie consent, from
// the answer.
func (t *target) visitorToken(ctx context.Context) (string, error) {
	return t.pageView(ctx, "")
}

// pageView makes the config call of a page view, as a returning visitor
// when token is set, and returns the visitor's token: the one the server
// issued or renewed, else the one sent.
func (t *target) pageView(ctx context.Context, token string) (string, error) {
	body := fmt.Sprintf(`{"url":%q,"language":"en","device":"desktop"}`, t.origin()+"/load")
	var out struct {
		Token string `json:"token"`
	}
	resp, err := t.post(ctx, "api/v1/visitor/config", token, body, &out)
	if err != nil {
		return "", err
	}
	for _, c := range resp.Cookies() {
		if c.Name == visitorCookie && c.Value != "" {
			return c.Value, nil
		}
	}
	if out.Token != "" {
		return out.Token, nil
	}
	if token != "" {
		return token, nil
	}
	return "", errors.New("config answer carries no visitor token")
}

// startConversation starts the visitor's conversation and returns its id.
func (t *target) startConversation(ctx context.Context, token string) (string, error) {
	body := fmt.Sprintf(`{"url":%q,"device":"desktop"}`, t.origin()+"/load")
	var out struct {
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
	}
	if _, err := t.post(ctx, "api/v1/visitor/conversations", token, body, &out); err != nil {
		return "", err
	}
	if out.Conversation.ID == "" {
		return "", errors.New("no conversation id in the answer")
	}
	return out.Conversation.ID, nil
}

func (t *target) post(ctx context.Context, path, token, body string, out any) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", t.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.AddCookie(&http.Cookie{Name: visitorCookie, Value: token})
	}
	resp, err := t.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("POST %s: %w", path, err)
		}
	}
	return resp, nil
}

var dialOptions = websocket.DialOptions{CompressionMode: websocket.CompressionDisabled}

func (t *target) dial(ctx context.Context, u string, h http.Header) (*websocket.Conn, error) {
	opts := dialOptions
	opts.HTTPHeader = h
	opts.HTTPClient = t.http
	c, resp, err := websocket.Dial(ctx, u, &opts)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %s: %w", u, resp.Status, err)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	c.SetReadLimit(16 << 20)
	return c, nil
}

// dialVisitor opens the visitor's WebSocket (the bare servers' /ws) and
// waits for its first frame.
func (t *target) dialVisitor(ctx context.Context, token, query string) (*websocket.Conn, error) {
	if t.bare {
		return t.dialReady(ctx, t.wsURL("ws?role=visitor&"+query), nil)
	}
	h := http.Header{}
	h.Set("Cookie", visitorCookie+"="+token)
	return t.dialReady(ctx, t.wsURL("api/v1/visitor/ws"), h)
}

// dialAgent opens an agent's WebSocket and waits for its first frame.
func (t *target) dialAgent(ctx context.Context, id string) (*websocket.Conn, error) {
	if t.bare {
		return t.dialReady(ctx, t.wsURL("ws?role=agent"), nil)
	}
	h := http.Header{}
	h.Set(t.agentHeader, id)
	// As the inbox does, the agent asks for several frames per message.
	return t.dialReady(ctx, t.wsURL("api/v1/agent/ws?batch=1"), h)
}

func (t *target) dialReady(ctx context.Context, u string, h http.Header) (*websocket.Conn, error) {
	c, err := t.dial(ctx, u, h)
	if err != nil {
		return nil, err
	}
	if _, err := waitFrame(ctx, c, "ready"); err != nil {
		c.CloseNow()
		return nil, err
	}
	return c, nil
}

// frameReader reads a connection's WebSocket messages into a reused
// buffer and hands each JSON frame to fn: a message may hold several
// frames separated by "\n".
type frameReader struct {
	buf bytes.Buffer
}

func (r *frameReader) next(ctx context.Context, c *websocket.Conn, fn func(frame []byte) bool) error {
	_, rd, err := c.Reader(ctx)
	if err != nil {
		return err
	}
	r.buf.Reset()
	if _, err := r.buf.ReadFrom(rd); err != nil {
		return err
	}
	data := r.buf.Bytes()
	for len(data) > 0 {
		var f []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			f, data = data[:i], data[i+1:]
		} else {
			f, data = data, nil
		}
		if f = bytes.TrimSpace(f); len(f) > 0 && !fn(f) {
			return errStop
		}
	}
	return nil
}

// errStop ends a read loop when the callback has what it waited for.
var errStop = errors.New("stop")

// waitFrame reads until a frame of type typ and returns it (copied); an
// error frame on the way fails.
func waitFrame(ctx context.Context, c *websocket.Conn, typ string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var r frameReader
	var got []byte
	var failed error
	for {
		err := r.next(ctx, c, func(f []byte) bool {
			switch frameType(f) {
			case typ:
				got = bytes.Clone(f)
				return false
			case "error":
				failed = fmt.Errorf("waiting for %q: error frame %s", typ, f)
				return false
			}
			return true
		})
		if errors.Is(err, errStop) {
			return got, failed
		}
		if err != nil {
			return nil, fmt.Errorf("waiting for %q: %w", typ, err)
		}
	}
}

var typeKey = []byte(`"type":"`)

// frameType is a frame's top-level "type". The server's frames hold no
// nested object with a "type" field, so the first one is the frame's; when
// the quick look finds none the frame is decoded.
func frameType(f []byte) string {
	if i := bytes.Index(f, typeKey); i >= 0 {
		rest := f[i+len(typeKey):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			return typeName(rest[:j])
		}
	}
	var v struct {
		Type string `json:"type"`
	}
	json.Unmarshal(f, &v)
	return v.Type
}

// frameTypes are the types the tool looks for: frameType returns these
// strings rather than allocating one for every frame it reads.
var frameTypes = []string{"message", "ack", "send", "error", "ready", "subscribed"}

func typeName(b []byte) string {
	for _, t := range frameTypes {
		if string(b) == t {
			return t
		}
	}
	return string(b)
}

var markKey = []byte(`"lt:`)

// markOf is the load message number carried at the start of a frame's text
// ("lt:<n>:…"), or -1.
func markOf(f []byte) int64 {
	i := bytes.Index(f, markKey)
	if i < 0 {
		return -1
	}
	n, any := int64(0), false
	for _, b := range f[i+len(markKey):] {
		if b < '0' || b > '9' {
			break
		}
		n, any = n*10+int64(b-'0'), true
	}
	if !any {
		return -1
	}
	return n
}

// errorCode is the code of an error frame.
func errorCode(f []byte) string {
	var v struct {
		Code string `json:"code"`
	}
	json.Unmarshal(f, &v)
	if v.Code == "" {
		return "unknown"
	}
	return v.Code
}

// closeReason names how a connection ended: its close status, or
// "abnormal" when it ended without one.
func closeReason(err error) string {
	if s := websocket.CloseStatus(err); s != -1 {
		return fmt.Sprintf("%d", int(s))
	}
	return "abnormal"
}

// counter is a set of named counts safe for concurrent use.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) add(key string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[key] += n
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// parallel runs fn(i) for i in [0, n) on workers goroutines and returns
// the first error.
func parallel(parent context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	next := make(chan int)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case next <- i:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = parent.Err()
	}
	return first
}
