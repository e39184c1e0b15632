package multinode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/transport"
)

// Two nodes share a storage and a broker (here in memory, where the tests
// use PostgreSQL and Redis, NATS or PostgreSQL): a visitor on node 1 sends
// a message and the agent, whose inbox is open on node 2, receives it.
func Example() {
	store := memory.New()
	defer store.Close()
	broker := transport.NewLocalBroker()
	defer broker.Close()
	var bases []string
	for range 2 {
		chat, err := livechat.New(livechat.Config{Storage: store, Broker: broker, Secret: testSecret, AgentAuth: agentAuth(0)})
		if err != nil {
			log.Fatal(err)
		}
		defer chat.Close()
		mux := http.NewServeMux()
		mux.Handle("/livechat/", chat)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		bases = append(bases, srv.URL+"/livechat/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The visitor starts a conversation on node 1.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if _, _, err := doJSON(browser, "POST", bases[0]+"api/v1/visitor/config", map[string]any{"url": "https://shop.example/"}, nil); err != nil {
		log.Fatal(err)
	}
	_, body, err := doJSON(browser, "POST", bases[0]+"api/v1/visitor/conversations", map[string]any{}, nil)
	if err != nil {
		log.Fatal(err)
	}
	var started struct{ Conversation wireConversation }
	if err := json.Unmarshal(body, &started); err != nil {
		log.Fatal(err)
	}
	conv := started.Conversation.ID

	// The agent's inbox on node 2 follows it; the visitor's widget on
	// node 1 sends.
	inbox := dialExample(ctx, bases[1]+"api/v1/agent/ws", agentHeader("ada"))
	defer inbox.CloseNow()
	writeExample(ctx, inbox, map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
	cookies := http.Header{}
	for _, ck := range jar.Cookies(mustURL(bases[0])) {
		cookies.Add("Cookie", ck.Name+"="+ck.Value)
	}
	widget := dialExample(ctx, bases[0]+"api/v1/visitor/ws", cookies)
	defer widget.CloseNow()
	writeExample(ctx, widget, map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "c-1", "text": "Hello from node 1"})

	for {
		_, data, err := inbox.Read(ctx)
		if err != nil {
			log.Fatal(err)
		}
		var f serverFrame
		if err := json.Unmarshal(data, &f); err != nil {
			log.Fatal(err)
		}
		if f.Type == "message" && f.ConversationID == conv {
			var m wireMessage
			if err := json.Unmarshal(f.Message, &m); err != nil {
				log.Fatal(err)
			}
			fmt.Printf("node 2 delivered seq %d from the %s: %s\n", m.Seq, m.Sender, m.Text)
			return
		}
	}
	// Output: node 2 delivered seq 1 from the visitor: Hello from node 1
}

// dialExample opens a WebSocket and reads its ready frame.
func dialExample(ctx context.Context, url string, h http.Header) *websocket.Conn {
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := conn.Read(ctx); err != nil {
		log.Fatal(err)
	}
	return conn
}

func writeExample(ctx context.Context, conn *websocket.Conn, frame any) {
	data, _ := json.Marshal(frame)
	if err := conn.Write(ctx, websocket.MessageText, data); err != nil {
		log.Fatal(err)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		log.Fatal(err)
	}
	return u
}
