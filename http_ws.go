package livechat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/golivechat/livechat/transport"
)

// inFrame is any frame a client sends.
type inFrame struct {
	Type            string `json:"type"`
	Ref             string `json:"ref,omitempty"`
	ConversationID  string `json:"conversationId,omitempty"`
	After           int64  `json:"after,omitempty"`
	ClientMessageID string `json:"clientMessageId,omitempty"`
	Text            string `json:"text,omitempty"`
	Typing          bool   `json:"typing,omitempty"`
	Seq             int64  `json:"seq,omitempty"`
}

type errorFrame struct {
	Type string `json:"type"`
	Ref  string `json:"ref,omitempty"`
	apiError
}

type ackFrame struct {
	Type    string   `json:"type"`
	Ref     string   `json:"ref,omitempty"`
	Message *Message `json:"message"`
}

type subscribedFrame struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversationId"`
	Seq            int64  `json:"seq"`
}

var (
	readyFrame = []byte(`{"type":"ready","protocol":1}`)
	pongFrame  = []byte(`{"type":"pong"}`)
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("livechat: encode frame: " + err.Error())
	}
	return b
}

func (h *liveAPI) visitorWS(w http.ResponseWriter, r *http.Request) {
	vid := visitorIDFrom(r.Context())
	// Refused before the handshake, so that the answer is a 429 with
	// Retry-After rather than a socket that closes at once.
	ip := h.limits.ipKey(r)
	release, err := h.limits.conn(ip, vid)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.serveWS(w, r, &client{visitorID: vid, ipKey: ip}, release)
}

func (h *liveAPI) agentWS(w http.ResponseWriter, r *http.Request) {
	h.serveWS(w, r, &client{agentID: agentFrom(r.Context()).ID}, func() {})
}

// serveWS accepts a live connection and runs it on a goroutine of its
// own until it ends or the Handler closes; release is called then. The
// request's goroutine, whose stack grew during the handshake, returns at
// once: an idle connection keeps only the small stack of its reader.
func (h *liveAPI) serveWS(w http.ResponseWriter, r *http.Request, c *client, release func()) {
	if !h.life.track() {
		release()
		h.fail(w, r, errShuttingDown)
		return
	}
	started := false
	defer func() {
		if !started {
			release()
			h.life.done()
		}
	}()
	// visitorAuth and agentAuth checked the origin (scheme, host and port,
	// see origin.Allowed); Accept's own check compares hosts only.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, Subprotocols: []string{wsSubprotocol}})
	if err != nil {
		return // Accept answered 400 for a bad handshake
	}
	c.conn = transport.NewConn(ws, &transport.ConnOptions{
		QueueSize:    h.cfg.SendQueueSize,
		ReadLimit:    maxBody,
		PingInterval: h.cfg.PingInterval,
		PingTimeout:  h.cfg.PingTimeout,
		WriteTimeout: h.cfg.WriteTimeout,
		Batch:        r.URL.Query().Get("batch") == "1",
		Pressure:     h.pressure,
	})
	c.hub, c.store, c.flows = h.hub, h.store, h.flows
	c.replaying = make(map[string][]seqFrame)
	c.watched = make(map[string]*seqMark)
	if err := h.hub.add(c); errors.Is(err, errShuttingDown) {
		ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	} else if err != nil {
		h.log.Error("livechat: live connection refused", "err", err)
		ws.Close(websocket.StatusTryAgainLater, "try again later")
		return
	}
	if c.isAgent() {
		h.routing.touchAgent(h.life.ctx, c.agentID)
	}
	c.conn.Send(readyFrame)
	started = true
	go h.run(c, release)
}

// run reads a live connection until it ends.
func (h *liveAPI) run(c *client, release func()) {
	defer h.life.done()
	defer release()
	defer func() { h.hub.remove(c, c.watchedIDs()) }()
	if c.isAgent() {
		defer h.routing.touchAgent(h.life.ctx, c.agentID) // the grace period starts when the last connection closes
	}
	err := c.conn.Run(h.life.ctx, func(frame []byte) {
		h.handleFrame(h.life.ctx, c, frame)
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		h.log.Debug("livechat: connection ended", "err", err)
	}
}

// frameError answers a frame with an error frame carrying the frame's ref,
// logged as fail logs HTTP errors.
func (h *liveAPI) frameError(c *client, ref string, err error) {
	_, body := toAPIError(err)
	h.logError(err, "livechat: frame failed")
	c.conn.Send(mustJSON(errorFrame{Type: "error", Ref: ref, apiError: body}))
}

// handleFrame runs one client frame in the connection's reading goroutine.
func (h *liveAPI) handleFrame(ctx context.Context, c *client, data []byte) {
	var f inFrame
	if err := decodeFrame(data, &f); err != nil {
		h.frameError(c, f.Ref, err) // the ref survives a wrong type elsewhere
		return
	}
	// The conversation a visitor names must be theirs.
	ownConversation := func() (*Conversation, error) {
		if c.isAgent() {
			if !validID(f.ConversationID) {
				return nil, errConversationNotFound
			}
			return h.eng.conversation(ctx, f.ConversationID)
		}
		return h.eng.visitorConversationByID(ctx, c.visitorID, f.ConversationID)
	}
	if (f.Type == "typing" || f.Type == "read") && !c.isAgent() {
		// Limited before the conversation is looked up: a flood costs little.
		// The first refused frame is answered; the frames after it, until
		// the time it names, are dropped without an answer.
		if err := h.limits.signal(c.visitorID); err != nil {
			if now := h.now(); !now.Before(c.signalsQuietUntil) {
				var limited *rateLimitError
				if errors.As(err, &limited) {
					c.signalsQuietUntil = now.Add(limited.retryAfter)
				}
				h.frameError(c, f.Ref, err)
			}
			return
		}
	}
	switch f.Type {
	case "ping":
		c.conn.Send(pongFrame)
	case "subscribe":
		conv, err := ownConversation()
		if err != nil {
			h.frameError(c, f.Ref, err)
			return
		}
		if f.After < 0 {
			h.frameError(c, f.Ref, publicf(ErrInvalid, "after must not be negative"))
			return
		}
		if err := c.subscribe(ctx, conv, f.After); err != nil {
			h.frameError(c, f.Ref, err)
		}
	case "send":
		var m *Message
		var err error
		// This connection gets the ack, not an echo of its own message.
		c.setSending(f.ClientMessageID)
		defer c.setSending("")
		if c.isAgent() {
			if err = checkClientMsgID(f.ClientMessageID); err == nil {
				m, _, err = h.eng.sendAsAgent(ctx, f.ConversationID, c.agentID, f.ClientMessageID, f.Text)
			}
		} else if err = h.limits.message(c.visitorID, c.ipKey); err != nil {
			if m = h.eng.resentMessage(ctx, f.ConversationID, SenderVisitor, c.visitorID, f.ClientMessageID); m != nil {
				err = nil
			}
		} else {
			m, _, err = h.eng.sendAsVisitor(ctx, c.visitorID, f.ConversationID, f.ClientMessageID, f.Text)
		}
		if err != nil {
			h.frameError(c, f.Ref, err)
			return
		}
		c.conn.Send(encodeAck(f.Ref, m))
	case "typing":
		conv, err := ownConversation()
		if err != nil {
			h.frameError(c, f.Ref, err)
			return
		}
		h.eng.typing(ctx, conv.ID, c.participant(), f.Typing)
	case "read":
		conv, err := ownConversation()
		if err != nil {
			h.frameError(c, f.Ref, err)
			return
		}
		if _, err := h.eng.markRead(ctx, conv.ID, c.participant(), f.Seq); err != nil {
			h.frameError(c, f.Ref, err)
		}
	default:
		h.frameError(c, f.Ref, publicf(ErrInvalid, "unknown frame type"))
	}
}

// poll answers a long-poll request with the messages after ?after=, waiting
// for one when there are none yet. An after beyond the end counts from the
// conversation's last seq, so that the answer's seq is never more than
// there is.
func (h *server) poll(w http.ResponseWriter, r *http.Request, conv *Conversation, visitor bool) {
	after, err := queryInt(r, "after", 0, 0, 1<<53)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	after = min(after, conv.LastSeq)
	convID := conv.ID
	maxWait := max(int64(h.cfg.PollTimeout/time.Second), 1)
	wait, err := queryInt(r, "timeout", maxWait, 1, maxWait)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.life.track() {
		h.fail(w, r, errShuttingDown)
		return
	}
	defer h.life.done()
	ctx := r.Context()
	timer := time.NewTimer(time.Duration(wait) * time.Second)
	defer timer.Stop()
	for {
		ch, stop, err := h.hub.wait(convID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		msgs, err := h.store.Messages(ctx, convID, after, 100)
		if err != nil {
			stop()
			h.fail(w, r, err)
			return
		}
		if visitor {
			// Private notes are not for visitors: the wait goes on past
			// them, and the answer's seq counts them.
			shown := visitorMessages(msgs, "")
			if len(shown) == 0 && len(msgs) > 0 {
				after = msgs[len(msgs)-1].Seq
				stop()
				continue
			}
		}
		if len(msgs) > 0 {
			stop()
			h.pollAnswer(w, r, convID, after, msgs, visitor)
			return
		}
		select {
		case <-ch:
			stop()
			continue
		case <-timer.C:
		case <-ctx.Done():
		case <-h.life.ctx.Done():
		}
		stop()
		if ctx.Err() != nil {
			return // the client went away
		}
		h.pollAnswer(w, r, convID, after, nil, visitor)
		return
	}
}

func (h *server) pollAnswer(w http.ResponseWriter, r *http.Request, convID string, after int64, msgs []*Message, visitor bool) {
	conv, err := h.store.Conversation(r.Context(), convID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	events := make([]any, 0, len(msgs))
	seq := after
	alias := ""
	if visitor {
		alias = brandAlias(h.flows.flowFor(r.Context(), conv.ChatflowID))
	}
	for _, m := range msgs {
		seq = m.Seq
		ev := Event{Type: EventMessage, ConversationID: convID, Seq: m.Seq, Message: m, AuthorAlias: alias}
		if !visitor {
			events = append(events, ev)
		} else if vev, ok := visitorEvent(ev); ok { // not a private note
			events = append(events, vev)
		}
	}
	var c any = conv
	if visitor {
		c = toVisitorConversation(conv)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events, "conversation": c, "seq": seq})
}
