package livechat

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzEncodeFrames holds the append encoders to json.Marshal: for any
// message and event, the same bytes, or an error from both.
func FuzzEncodeFrames(f *testing.F) {
	f.Add("m1", "c-1", "conv1", "visitor", "", "hello <b>&</b> \u2028\u2029 \x01\x7f\"\\\n\t", "", "r1", "", "", "", "",
		int64(3), int64(1764300000), int64(123456789), int32(0), false, true, false)
	f.Add("m2", "", "conv1", "agent", "Ann", "\xff\xfe é 😀", "conversation_ended", "", "agent:a1", "a1", "Acme", "available",
		int64(1<<53), int64(-62135596800), int64(0), int32(3600), true, true, true)
	f.Add("", "", "", "", "", "", "", "", "visitor", "", "", "", int64(-1), int64(253402300800), int64(5), int32(-86400), true, false, true)
	f.Fuzz(func(t *testing.T, id, clientID, convID, sender, authorName, text, code, ref, participant, agentID, alias, presence string,
		seq, sec, nsec int64, offset int32, typing, withMessage, withConversation bool) {
		at := time.Unix(sec, nsec).In(time.FixedZone("z", int(offset)))
		m := &Message{ID: id, ClientMsgID: clientID, ConversationID: convID, Seq: seq, Sender: SenderKind(sender),
			AuthorID: "hidden", AuthorName: authorName, Text: text, CreatedAt: at, Code: code}
		if typing {
			m.Attachment = &Attachment{ID: agentID, Name: alias, Size: seq, ContentType: presence}
		}
		ev := Event{Type: EventType(sender), ConversationID: convID, Seq: seq, Participant: participant, Typing: typing,
			AgentID: agentID, AuthorAlias: alias, Presence: Presence(presence)}
		vev := visitorEventFrame{Type: EventType(sender), ConversationID: convID, Seq: seq, Participant: participant, Typing: typing}
		if withMessage {
			ev.Message, vev.Message = m, m
		}
		if withConversation {
			conv := &Conversation{ID: id, Status: ConversationStatus(code), LastSeq: seq, CreatedAt: at, UpdatedAt: at.Add(time.Second), ClosedAt: at}
			if typing {
				conv.ClosedAt = time.Time{}
			}
			ev.Conversation, vev.Conversation = conv, toVisitorConversation(conv)
		}

		want, wantErr := json.Marshal(ackFrame{Type: "ack", Ref: ref, Message: m})
		if wantErr != nil {
			require.Panics(t, func() { encodeAck(ref, m) })
		} else {
			require.Equal(t, string(want), string(encodeAck(ref, m)))
		}
		check := func(want []byte, wantErr error, got []byte, err error) {
			t.Helper()
			if wantErr != nil {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
		}
		want, wantErr = json.Marshal(ev)
		got, err := encodeEvent(ev)
		check(want, wantErr, got, err)
		want, wantErr = json.Marshal(envelope{Event: ev})
		got, err = encodeEnvelope(ev)
		check(want, wantErr, got, err)
		want, wantErr = json.Marshal(vev)
		got, err = encodeVisitorEvent(vev)
		check(want, wantErr, got, err)
		if !withConversation {
			_, ok := appendEvent(nil, ev)
			require.Equal(t, wantErr == nil, ok, "an event without a conversation is appended whenever it encodes")
		}
	})
}

// benchMessage is a message of the size the load tool sends.
var benchMessage = &Message{ID: "0b6f3c1e-8d2a-4f57-9c1b-7e5a2d9f4c31", ClientMsgID: "c-1732790000-42",
	ConversationID: "0b6f3c1e-8d2a-4f57-9c1b-7e5a2d9f4c30", Seq: 42, Sender: SenderVisitor, AuthorID: "v1",
	Text:      "Hello, I have a question about my order from last week. It has not arrived yet & the tracking page says <unknown>.",
	CreatedAt: time.Date(2026, 11, 28, 6, 30, 12, 123456789, time.UTC)}

// BenchmarkEncodeFrame encodes the frames of the message path, each with
// the append encoders and with json.Marshal (the "-json" baseline).
func BenchmarkEncodeFrame(b *testing.B) {
	ev := Event{Type: EventMessage, ConversationID: benchMessage.ConversationID, Seq: benchMessage.Seq, Message: benchMessage}
	vev, _ := visitorEvent(ev)
	run := func(name string, fn func() ([]byte, error)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := MeterCPU(b)
			for b.Loop() {
				if _, err := fn(); err != nil {
					b.Fatal(err)
				}
			}
			cpu.Report()
		})
	}
	run("ack", func() ([]byte, error) { return encodeAck("r42", benchMessage), nil })
	run("ack-json", func() ([]byte, error) { return json.Marshal(ackFrame{Type: "ack", Ref: "r42", Message: benchMessage}) })
	run("agent-event", func() ([]byte, error) { return encodeEvent(ev) })
	run("agent-event-json", func() ([]byte, error) { return json.Marshal(ev) })
	run("visitor-event", func() ([]byte, error) { return encodeVisitorEvent(vev) })
	run("visitor-event-json", func() ([]byte, error) { return json.Marshal(vev) })
	run("envelope", func() ([]byte, error) { return encodeEnvelope(ev) })
	run("envelope-json", func() ([]byte, error) { return json.Marshal(envelope{Event: ev}) })
}

// TestAgentFrameShared: agents' frame of an event this node published is
// the inside of its envelope, the bytes encodeEvent gives; a payload from
// elsewhere is encoded again.
func TestAgentFrameShared(t *testing.T) {
	var c eventCodec
	for _, ev := range []Event{
		{Type: EventMessage, ConversationID: "c1", Seq: 42, Message: benchMessage},
		{Type: EventTyping, ConversationID: "c1", Participant: "agent:a1", Typing: true},
		{Type: EventConversation, ConversationID: "c1", Seq: 3, Conversation: &Conversation{ID: "c1", Status: StatusOpen, Properties: map[string]string{"b": "2", "a": "<1>"}}},
	} {
		want, err := encodeEvent(ev)
		require.NoError(t, err)
		payload, err := c.encode(ev)
		require.NoError(t, err)
		got, err := c.agentFrame(payload, ev)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
		require.Same(t, &payload[len(envelopePrefix)], &got[0], "shared with the payload")
		require.Equal(t, len(got), cap(got), "nothing can be appended into the payload")

		foreign := append([]byte(nil), payload...)
		got, err = c.agentFrame(foreign, ev)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
		require.NotSame(t, &foreign[len(envelopePrefix)], &got[0])
	}
}
