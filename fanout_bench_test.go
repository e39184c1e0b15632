package livechat

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golivechat/livechat/transport"
)

// BenchmarkFanOut delivers one message event to n agent connections (and,
// for the visitor case, n visitor connections of one conversation): the
// event is encoded once per audience and the frame shared, so allocations
// per operation do not grow with n. The connections are real WebSockets
// whose clients read and discard.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) { benchFanOut(b, n, true) })
		b.Run(fmt.Sprintf("visitors=%d", n), func(b *testing.B) { benchFanOut(b, n, false) })
	}
}

func benchFanOut(b *testing.B, n int, agents bool) {
	h := newHub(transport.NewLocalBroker(), &eventCodec{}, func(err error) { b.Error(err) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conns := make(chan *transport.Conn, n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c := transport.NewConn(ws, nil)
		conns <- c
		c.Run(ctx, func([]byte) {})
	}))
	defer srv.Close()
	const convID = "c1"
	for i := range n {
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
		dcancel()
		if err != nil {
			b.Fatal(err)
		}
		defer ws.CloseNow()
		go func() { // the client reads and discards, into one buffer
			buf := make([]byte, 64<<10)
			for {
				_, r, err := ws.Reader(context.Background())
				if err != nil {
					return
				}
				for err == nil {
					_, err = r.Read(buf)
				}
			}
		}()
		c := &client{conn: <-conns, replaying: map[string][]seqFrame{}, watched: map[string]*seqMark{}, hub: h}
		if agents {
			c.agentID = fmt.Sprintf("a%d", i)
			h.agents[c] = struct{}{}
		} else {
			c.visitorID = "v1"
			if h.visitors[convID] == nil {
				h.visitors[convID] = map[*client]struct{}{}
			}
			h.visitors[convID][c] = struct{}{}
		}
	}
	msg := &Message{ConversationID: convID, Seq: 1, Sender: SenderVisitor, AuthorID: "v1", Text: strings.Repeat("m", 200), CreatedAt: time.Now().UTC()}
	payload, err := h.codec.encode(Event{Type: EventMessage, ConversationID: convID, Seq: 1, Message: msg})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if agents {
			h.receiveInbox(payload)
		} else {
			h.receiveConversation(payload)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delivery")
}
