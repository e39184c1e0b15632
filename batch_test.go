package livechat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// An agent connection that asks for batches (the inbox does) gets frames
// that waited together in one message, one per line, in order; one that
// does not ask gets one frame per message.
func TestAgentFramesBatched(t *testing.T) {
	e := newEnv(t)
	conv := e.newVisitor().start()
	const n = 600
	text := strings.Repeat("x", 5000)
	for i := range n {
		status, body := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/messages",
			map[string]any{"clientMessageId": fmt.Sprintf("m%d", i), "text": text})
		require.Equal(t, http.StatusCreated, status, "%v", body)
	}
	for _, batch := range []bool{true, false} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			path := "api/v1/agent/ws"
			if batch {
				path += "?batch=1"
			}
			h := http.Header{}
			h.Set("X-Test-Agent", "a1")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.base, "http")+path, &websocket.DialOptions{HTTPHeader: h})
			require.NoError(t, err)
			defer c.CloseNow()
			msg, err := json.Marshal(map[string]any{"type": "subscribe", "conversationId": conv, "after": 0})
			require.NoError(t, err)
			require.NoError(t, c.Write(ctx, websocket.MessageText, msg))
			// The replay of 3 MB fills the socket while this client does not
			// read, so frames wait for the writer together.
			time.Sleep(200 * time.Millisecond)
			var seqs []int64
			messages, joined := 0, 0
			for done := false; !done; {
				_, data, err := c.Read(ctx)
				require.NoError(t, err)
				messages++
				require.LessOrEqual(t, len(data), 16<<10)
				lines := strings.Split(string(data), "\n")
				if len(lines) > 1 {
					joined++
				}
				for _, line := range lines {
					var f struct {
						Type string `json:"type"`
						Seq  int64  `json:"seq"`
					}
					require.NoError(t, json.Unmarshal([]byte(line), &f), "each line is one frame")
					switch f.Type {
					case "message":
						seqs = append(seqs, f.Seq)
					case "subscribed":
						done = true
					}
				}
			}
			require.Len(t, seqs, n)
			for i, s := range seqs {
				require.EqualValues(t, i+1, s, "in seq order")
			}
			if batch {
				require.Positive(t, joined, "frames that waited together share a message")
			} else {
				require.Zero(t, joined)
			}
			t.Logf("%d frames in %d messages", n, messages)
		})
	}
}
