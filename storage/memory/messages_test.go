package memory

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golivechat/livechat"
)

// TestMessageLogRoundTrip stores messages of every size, across chunks,
// and reads each back as it went in.
func TestMessageLogRoundTrip(t *testing.T) {
	var l messageLog
	berlin := time.FixedZone("CET", 3600)
	var want []*livechat.Message
	for i := range 300 {
		m := &livechat.Message{
			ID:             fmt.Sprintf("id-%d", i),
			ConversationID: "c1",
			Seq:            int64(i) + 1,
			Sender:         livechat.SenderVisitor,
			AuthorID:       "v1",
			Text:           strings.Repeat("x", i*i%(maxChunk+100)),
			CreatedAt:      time.Date(2026, 1, 2, 3, 4, 5, i, time.UTC),
		}
		switch i % 3 {
		case 0:
			m.ClientMsgID = fmt.Sprintf("c%d", i)
		case 1:
			m.Sender, m.AuthorID, m.AuthorName, m.Code = livechat.SenderSystem, "", "Brand", "conversation_ended"
			m.CreatedAt = m.CreatedAt.In(berlin)
		}
		l.add(m, hashClientKey(clientKeyOf(m)))
		want = append(want, m)
	}
	if l.len() != len(want) {
		t.Fatalf("len %d, want %d", l.len(), len(want))
	}
	for i, w := range want {
		got := l.message("c1", i)
		if *got != *w {
			t.Fatalf("message %d:\n got %+v\nwant %+v", i, got, w)
		}
		if w.ClientMsgID != "" {
			if j := find(&l, clientKeyOf(w)); j != i {
				t.Fatalf("message %d found at %d by its client id", i, j)
			}
		}
	}
	if j := find(&l, clientKey{livechat.SenderVisitor, "v2", "c0"}); j != -1 {
		t.Fatalf("another author's client id found at %d", j)
	}
}

// TestMessageLogCollision: a client key whose hash another key holds is
// still found, and so is the other.
func TestMessageLogCollision(t *testing.T) {
	var l messageLog
	first := &livechat.Message{ID: "a", ConversationID: "c1", Sender: livechat.SenderVisitor, AuthorID: "v1", ClientMsgID: "one"}
	l.add(first, hashClientKey(clientKeyOf(first)))
	second := &livechat.Message{ID: "b", ConversationID: "c1", Sender: livechat.SenderVisitor, AuthorID: "v1", ClientMsgID: "two"}
	// As if the two keys hashed alike.
	l.byClient[hashClientKey(clientKeyOf(second))] = 0
	l.add(second, hashClientKey(clientKeyOf(second)))
	if i := find(&l, clientKeyOf(first)); i != 0 {
		t.Fatalf("first at %d", i)
	}
	if i := find(&l, clientKeyOf(second)); i != 1 {
		t.Fatalf("second at %d", i)
	}
	if i := find(&l, clientKey{livechat.SenderVisitor, "v1", "three"}); i != -1 {
		t.Fatalf("a key never stored found at %d", i)
	}
}

// TestMessageLogNoPointers: what the log keeps per message holds no
// pointer, so the collector does not trace it.
func TestMessageLogNoPointers(t *testing.T) {
	var l messageLog
	for i := range 1000 {
		m := &livechat.Message{ID: fmt.Sprint(i), ClientMsgID: fmt.Sprint(i), Sender: livechat.SenderVisitor, AuthorID: "v", Text: "hello", CreatedAt: time.Now().UTC()}
		l.add(m, hashClientKey(clientKeyOf(m)))
	}
	if n := len(l.chunks); n > 10 {
		t.Fatalf("%d chunks for 1,000 short messages", n)
	}
	if l.locs != nil {
		t.Fatalf("locations kept for UTC times: %v", l.locs)
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[storedMsg](), reflect.TypeOf(l.byClient).Key(), reflect.TypeOf(l.byClient).Elem()} {
		if hasPointers(typ) {
			t.Errorf("%v holds pointers", typ)
		}
	}
}

func find(l *messageLog, k clientKey) int { return l.byClientKey(k, hashClientKey(k)) }

func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Array:
		return hasPointers(t.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return false
	}
	return true
}
