package livechat_test

import (
	"context"
	"encoding/json"
	"fmt"
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
		// Drain the visitor's own ack and echo so its socket never backs up.
		for range 2 {
			if _, _, err := vws.conn.Read(ctx); err != nil {
				b.Fatal(err)
			}
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
