package livechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golivechat/livechat"
)

// BenchmarkRoundTrip measures one visitor message over WebSocket until the
// agent's WebSocket receives it: validation, storage (memory), the hub and
// two WebSocket hops.
func BenchmarkRoundTrip(b *testing.B) {
	e := newEnv(b, func(c *livechat.Config) { c.VisitorRate, c.IPMessageRate = -1, -1 })
	conv, vws, agent := e.liveChat()
	// A benchmark must fail, not hang, when a frame never comes.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		frame := fmt.Sprintf(`{"type":"send","ref":"r","conversationId":%q,"clientMessageId":"c%d","text":"hello agent"}`, conv, i)
		if err := vws.conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			b.Fatal(err)
		}
		for {
			_, data, err := agent.conn.Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			var f struct{ Type string }
			json.Unmarshal(data, &f)
			if f.Type == "message" {
				break
			}
		}
		// Drain the visitor's ack (the sending connection gets no echo) so
		// that its socket never backs up.
		if _, _, err := vws.conn.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTripBaseline is the floor BenchmarkRoundTrip is compared
// with: a frame relayed from one WebSocket to another by a bare
// coder/websocket server on the same machine, with nothing stored.
func BenchmarkRoundTripBaseline(b *testing.B) {
	peers := make(chan *websocket.Conn, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		peers <- c
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx := context.Background()
	from, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer from.CloseNow()
	in := <-peers // before the second dial: the server side of each, in order
	to, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer to.CloseNow()
	out := <-peers
	defer in.CloseNow()
	defer out.CloseNow()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, data, err := in.Read(ctx)
			if err != nil {
				return
			}
			if err := out.Write(ctx, websocket.MessageText, data); err != nil {
				return
			}
		}
	}()
	frame := []byte(`{"type":"send","ref":"r","conversationId":"c","clientMessageId":"c1","text":"hello agent"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := from.Write(ctx, websocket.MessageText, frame); err != nil {
			b.Fatal(err)
		}
		if _, _, err := to.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	in.CloseNow()
	<-done
}

// readFirstFrame reads a connection's first frame, which must hold want.
func readFirstFrame(b *testing.B, ctx context.Context, c *websocket.Conn, want string) {
	_, data, err := c.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if !strings.Contains(string(data), want) {
		b.Fatalf("first frame %s, want %s", data, want)
	}
}

// noConnCaps lifts the caps on open connections: a connect benchmark's
// client closes each connection at once, and the server may notice only
// after the next one is open.
func noConnCaps(c *livechat.Config) { c.MaxConnsPerVisitor, c.MaxConnsPerIP = -1, -1 }

// BenchmarkConnect measures a returning visitor's page view up to a live
// connection: the config request (with the visitor's cookie), the
// WebSocket handshake and the `ready` frame.
func BenchmarkConnect(b *testing.B) {
	e := newEnv(b, noConnCaps)
	v := e.newVisitor()
	u, _ := http.NewRequest("GET", e.base, nil)
	h := http.Header{}
	for _, c := range v.client.Jar.Cookies(u.URL) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	cfg := []byte(`{"url":"` + e.srv.URL + `/pricing","referrer":"https://www.example.org/","language":"en-US","device":"desktop"}`)
	wsURL := "ws" + strings.TrimPrefix(e.base, "http") + "api/v1/visitor/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.ReportAllocs()
	cpu := livechat.MeterCPU(b)
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, "POST", e.base+"api/v1/visitor/config", bytes.NewReader(cfg))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", e.srv.URL)
		resp, err := v.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("config: %v %d", err, resp.StatusCode)
		}
		c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			b.Fatal(err)
		}
		readFirstFrame(b, ctx, c, `"ready"`)
		c.CloseNow()
	}
	cpu.Report()
}

// BenchmarkConnectWS is BenchmarkConnect without the config request: a
// returning visitor's WebSocket handshake and `ready` frame, to tell the
// two parts apart.
func BenchmarkConnectWS(b *testing.B) {
	e := newEnv(b, noConnCaps)
	v := e.newVisitor()
	u, _ := http.NewRequest("GET", e.base, nil)
	h := http.Header{}
	for _, c := range v.client.Jar.Cookies(u.URL) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	wsURL := "ws" + strings.TrimPrefix(e.base, "http") + "api/v1/visitor/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.ReportAllocs()
	cpu := livechat.MeterCPU(b)
	for b.Loop() {
		c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			b.Fatal(err)
		}
		readFirstFrame(b, ctx, c, `"ready"`)
		c.CloseNow()
	}
	cpu.Report()
}

// BenchmarkConnectBaseline is the ceiling BenchmarkConnect is compared
// with: a bare coder/websocket server that accepts a connection and sends
// one frame, and a client that dials it and reads that frame.
func BenchmarkConnectBaseline(b *testing.B) {
	ready := []byte(`{"type":"ready","protocol":1}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		if err := c.Write(r.Context(), websocket.MessageText, ready); err != nil {
			return
		}
		c.Read(r.Context()) // until the client goes
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.ReportAllocs()
	cpu := livechat.MeterCPU(b)
	for b.Loop() {
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		readFirstFrame(b, ctx, c, `"ready"`)
		c.CloseNow()
	}
	cpu.Report()
}

// BenchmarkVisitorConfig is the config call's handler alone, without a
// network: a new visitor (no cookie, so one is created and the cookie set)
// and a returning one (with the cookie), each accepting gzip as a
// browser does.
func BenchmarkVisitorConfig(b *testing.B) {
	e := newEnv(b, noConnCaps, func(c *livechat.Config) { c.NewVisitorRate = -1 })
	body := []byte(`{"url":"` + e.srv.URL + `/pricing","language":"en","device":"desktop"}`)
	v := e.newVisitor()
	u, _ := http.NewRequest("GET", e.base, nil)
	var cookie *http.Cookie
	for _, c := range v.client.Jar.Cookies(u.URL) {
		cookie = c
	}
	for _, bc := range []struct {
		name   string
		cookie *http.Cookie
	}{{"new", nil}, {"returning", cookie}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := livechat.MeterCPU(b)
			for b.Loop() {
				req := httptest.NewRequest("POST", "/livechat/api/v1/visitor/config", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept-Encoding", "gzip")
				if bc.cookie != nil {
					req.AddCookie(bc.cookie)
				}
				w := httptest.NewRecorder()
				e.chat.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("config: %d %s", w.Code, w.Body)
				}
			}
			cpu.Report()
		})
	}
}
