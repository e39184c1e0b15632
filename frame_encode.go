package livechat

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The frames of the message path (the ack, a message event for agents
// and for visitors, and the event as it travels through the broker) are
// encoded by appending, byte for byte as json.Marshal encodes them
// (FuzzEncodeFrames holds them to it). What the append encoders do not
// cover (a conversation on an agent's event, a survey, a time json.Marshal
// refuses) goes to json.Marshal itself.

// encodeAck returns the ack frame of a sent message.
func encodeAck(ref string, m *Message) []byte {
	b := make([]byte, 0, 48+len(ref)+messageSize(m))
	b = append(b, `{"type":"ack"`...)
	if ref != "" {
		b = append(b, `,"ref":`...)
		b = appendJSONString(b, ref)
	}
	b = append(b, `,"message":`...)
	b, ok := appendMessage(b, m)
	if !ok {
		return mustJSON(ackFrame{Type: "ack", Ref: ref, Message: m})
	}
	return append(b, '}')
}

// encodeEvent returns an event as agents receive it.
func encodeEvent(ev Event) ([]byte, error) {
	b := make([]byte, 0, eventSize(ev))
	if b, ok := appendEvent(b, ev); ok {
		return b, nil
	}
	return json.Marshal(ev)
}

// encodeEnvelope returns an event as it travels through the broker.
func encodeEnvelope(ev Event) ([]byte, error) {
	b := make([]byte, 0, 10+eventSize(ev))
	b = append(b, `{"event":`...)
	if b, ok := appendEvent(b, ev); ok {
		return append(b, '}'), nil
	}
	return json.Marshal(envelope{Event: ev})
}

// encodeVisitorEvent returns an event as visitors receive it.
func encodeVisitorEvent(ev visitorEventFrame) ([]byte, error) {
	b := make([]byte, 0, 96+len(ev.Type)+len(ev.ConversationID)+len(ev.Participant)+messageSize(ev.Message))
	if b, ok := appendVisitorEvent(b, ev); ok {
		return b, nil
	}
	return json.Marshal(ev)
}

// messageSize is about how long m is encoded, for a buffer that is
// rarely outgrown.
func messageSize(m *Message) int {
	if m == nil {
		return 4
	}
	return 192 + len(m.ID) + len(m.ClientMsgID) + len(m.ConversationID) + len(m.Sender) + len(m.AuthorName) + len(m.Text) + len(m.Code)
}

func eventSize(ev Event) int {
	return 96 + len(ev.Type) + len(ev.ConversationID) + len(ev.Participant) + len(ev.AgentID) + len(ev.AuthorAlias) + len(ev.Presence) + messageSize(ev.Message)
}

// appendEvent appends ev as json.Marshal encodes an Event; false when it
// holds what only json.Marshal encodes.
func appendEvent(b []byte, ev Event) ([]byte, bool) {
	if ev.Conversation != nil || ev.Survey != nil {
		return b, false
	}
	b = append(b, `{"type":`...)
	b = appendJSONString(b, string(ev.Type))
	if ev.ConversationID != "" {
		b = append(b, `,"conversationId":`...)
		b = appendJSONString(b, ev.ConversationID)
	}
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, ev.Seq, 10)
	if ev.Message != nil {
		b = append(b, `,"message":`...)
		var ok bool
		if b, ok = appendMessage(b, ev.Message); !ok {
			return b, false
		}
	}
	if ev.Participant != "" {
		b = append(b, `,"participant":`...)
		b = appendJSONString(b, ev.Participant)
	}
	if ev.Typing {
		b = append(b, `,"typing":true`...)
	}
	if ev.AgentID != "" {
		b = append(b, `,"agentId":`...)
		b = appendJSONString(b, ev.AgentID)
	}
	if ev.AuthorAlias != "" {
		b = append(b, `,"authorAlias":`...)
		b = appendJSONString(b, ev.AuthorAlias)
	}
	if ev.Presence != "" {
		b = append(b, `,"presence":`...)
		b = appendJSONString(b, string(ev.Presence))
	}
	return append(b, '}'), true
}

// appendVisitorEvent appends ev as json.Marshal encodes it.
func appendVisitorEvent(b []byte, ev visitorEventFrame) ([]byte, bool) {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, string(ev.Type))
	b = append(b, `,"conversationId":`...)
	b = appendJSONString(b, ev.ConversationID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, ev.Seq, 10)
	var ok bool
	if ev.Message != nil {
		b = append(b, `,"message":`...)
		if b, ok = appendMessage(b, ev.Message); !ok {
			return b, false
		}
	}
	if c := ev.Conversation; c != nil {
		b = append(b, `,"conversation":{"id":`...)
		b = appendJSONString(b, c.ID)
		b = append(b, `,"status":`...)
		b = appendJSONString(b, string(c.Status))
		b = append(b, `,"lastSeq":`...)
		b = strconv.AppendInt(b, c.LastSeq, 10)
		b = append(b, `,"createdAt":`...)
		if b, ok = appendJSONTime(b, c.CreatedAt); !ok {
			return b, false
		}
		b = append(b, `,"updatedAt":`...)
		if b, ok = appendJSONTime(b, c.UpdatedAt); !ok {
			return b, false
		}
		if !c.ClosedAt.IsZero() {
			b = append(b, `,"closedAt":`...)
			if b, ok = appendJSONTime(b, c.ClosedAt); !ok {
				return b, false
			}
		}
		b = append(b, '}')
	}
	if ev.Participant != "" {
		b = append(b, `,"participant":`...)
		b = appendJSONString(b, ev.Participant)
	}
	if ev.Typing {
		b = append(b, `,"typing":true`...)
	}
	return append(b, '}'), true
}

// appendMessage appends m as json.Marshal encodes a *Message.
func appendMessage(b []byte, m *Message) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	b = append(b, `{"id":`...)
	b = appendJSONString(b, m.ID)
	if m.ClientMsgID != "" {
		b = append(b, `,"clientMessageId":`...)
		b = appendJSONString(b, m.ClientMsgID)
	}
	b = append(b, `,"conversationId":`...)
	b = appendJSONString(b, m.ConversationID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, m.Seq, 10)
	b = append(b, `,"sender":`...)
	b = appendJSONString(b, string(m.Sender))
	if m.AuthorName != "" {
		b = append(b, `,"authorName":`...)
		b = appendJSONString(b, m.AuthorName)
	}
	b = append(b, `,"text":`...)
	b = appendJSONString(b, m.Text)
	b = append(b, `,"createdAt":`...)
	b, ok := appendJSONTime(b, m.CreatedAt)
	if !ok {
		return b, false
	}
	if m.Code != "" {
		b = append(b, `,"code":`...)
		b = appendJSONString(b, m.Code)
	}
	if a := m.Attachment; a != nil {
		b = append(b, `,"attachment":{"id":`...)
		b = appendJSONString(b, a.ID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, a.Name)
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, a.Size, 10)
		b = append(b, `,"contentType":`...)
		b = appendJSONString(b, a.ContentType)
		b = append(b, '}')
	}
	return append(b, '}'), true
}

// appendJSONTime appends t as time.Time's MarshalJSON does; false when it
// refuses t (a year outside 0 to 9999, an offset of a day or more).
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	out, err := t.AppendText(b)
	if err != nil {
		return b[:len(b)-1], false
	}
	return append(out, '"'), true
}

const hexDigits = "0123456789abcdef"

// jsonSafe holds the bytes json.Marshal copies into a string as they are:
// printable ASCII but for ", \, <, > and &.
var jsonSafe = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s quoted as json.Marshal quotes strings:
// HTML-safe, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+4 <= len(s) && jsonSafe[s[i]] && jsonSafe[s[i+1]] && jsonSafe[s[i+2]] && jsonSafe[s[i+3]] {
			i += 4
		}
		for i < len(s) && jsonSafe[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// envelopePrefix is how every envelope starts: the agent's frame of its
// event follows, then a closing brace.
const envelopePrefix = `{"event":`

// agentFrame returns ev as agents receive it. When payload is the envelope
// this codec last encoded (an in-process broker hands subscribers the
// payload that was published), that is the envelope's inside, shared
// rather than encoded again: encodeEnvelope writes exactly encodeEvent's
// bytes there. Another payload's event is encoded.
func (c *eventCodec) agentFrame(payload []byte, ev Event) ([]byte, error) {
	c.mu.Lock()
	mine := len(payload) > 0 && len(payload) == len(c.last) && &payload[0] == &c.last[0]
	c.mu.Unlock()
	if n := len(payload); mine && n > len(envelopePrefix) && string(payload[:len(envelopePrefix)]) == envelopePrefix && payload[n-1] == '}' {
		return payload[len(envelopePrefix) : n-1 : n-1], nil
	}
	return encodeEvent(ev)
}
