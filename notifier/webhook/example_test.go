package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/notifier/webhook"
)

// Sign computes the X-Livechat-Signature header of a request; a receiver in
// another language reproduces it with any HMAC-SHA256.
func ExampleSign() {
	secret := []byte("0123456789abcdef0123456789abcdef")
	body := []byte(`{"id":"n1","kind":"new_conversation","conversationId":"c1"}`)
	fmt.Println(webhook.Sign(secret, 1767225600, body))
	// Output:
	// v1=fa6aae022b7470c38f0208e033c1cdb6bf9777f4a011d4f3b05bc07af9c5dcfa
}

// A full round trip: the chat's Notifier posts, the receiver verifies the
// signature before it trusts the body.
func ExampleNew() {
	secret := []byte("0123456789abcdef0123456789abcdef") // from crypto/rand in real use

	got := make(chan livechat.Notification, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var n livechat.Notification
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, "bad notification", http.StatusBadRequest)
			return
		}
		got <- n
	}))
	defer receiver.Close()

	hook, err := webhook.New(receiver.URL+"/hooks/chat", secret, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer hook.Close(context.Background())

	// The Handler does this when a visitor starts a conversation.
	_ = hook.Notify(context.Background(), livechat.Notification{
		ID:             "n1",
		Kind:           livechat.NotifyNewConversation,
		ConversationID: "c1",
		Time:           time.Now(),
	})
	n := <-got
	fmt.Println(n.Kind, n.ConversationID)
	// Output:
	// new_conversation c1
}

// livechat.NotifierFunc puts a rule in front of the webhook: here only
// conversations left waiting and offline messages are sent.
func Example_notifierFunc() {
	secret := []byte("0123456789abcdef0123456789abcdef")
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n livechat.Notification
		_ = json.NewDecoder(r.Body).Decode(&n)
		fmt.Println("received", n.Kind, n.ConversationID)
	}))
	defer receiver.Close()
	hook, err := webhook.New(receiver.URL, secret, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	notifier := livechat.NotifierFunc(func(ctx context.Context, n livechat.Notification) error {
		switch n.Kind {
		case livechat.NotifyWaiting, livechat.NotifyOfflineMessage:
			return hook.Notify(ctx, n)
		}
		return nil
	})
	// Set notifier as livechat.Config.Notifier; here it is called directly.
	ctx := context.Background()
	for i, kind := range []livechat.NotificationKind{livechat.NotifyNewConversation, livechat.NotifyWaiting, livechat.NotifyOfflineMessage} {
		_ = notifier.Notify(ctx, livechat.Notification{ID: fmt.Sprint("n", i), Kind: kind, ConversationID: fmt.Sprint("c", i)})
	}
	_ = hook.Close(ctx) // delivers what is queued, in order
	// Output:
	// received waiting c1
	// received offline_message c2
}
