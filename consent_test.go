package livechat_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
)

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// With explicit consent the server itself refuses messages until the
// visitor agreed, and records every consent given or withdrawn.
func TestExplicitConsentEnforced(t *testing.T) {
	f := flow.New("Strict")
	f.ID = "strict"
	f.Options.Consent.Processing.Kind = consent.ProcessingExplicit
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f} })
	v := e.newVisitor()
	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://shop.example/", "chatflowId": "strict"})
	require.Equal(t, 201, status, "%v", body)
	conv := body["conversation"].(map[string]any)["id"].(string)
	send := func(id string) (int, map[string]any) {
		return v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": id, "text": "hello"})
	}

	status, body = send("m1")
	require.Equal(t, 403, status)
	require.Equal(t, "consent_required", errCode(body))
	ws := v.dial()
	ws.send(map[string]any{"type": "send", "ref": "r", "conversationId": conv, "clientMessageId": "m1", "text": "hello"})
	require.Equal(t, "consent_required", ws.nextOf("error")["code"])

	for _, bad := range []map[string]any{
		{"kind": "processing", "granted": true, "textHash": "nothex"},
		{"kind": "everything", "granted": true, "textHash": hashOf("x")},
	} {
		status, _ := v.do("POST", "api/v1/visitor/consent", bad)
		require.Equal(t, 400, status)
	}
	text := "We process what you write to answer you."
	status, _ = v.do("POST", "api/v1/visitor/consent", map[string]any{"kind": "processing", "granted": true, "textHash": hashOf(text)})
	require.Equal(t, 201, status)
	status, _ = send("m2")
	require.Equal(t, 201, status)

	// Withdrawing stops the chat again; every record is kept.
	status, _ = v.do("POST", "api/v1/visitor/consent", map[string]any{"kind": "processing", "granted": false, "textHash": hashOf(text)})
	require.Equal(t, 201, status)
	status, _ = send("m3")
	require.Equal(t, 403, status)
	c, err := e.store.Conversation(context.Background(), conv)
	require.NoError(t, err)
	recs, err := e.store.Consents(context.Background(), c.VisitorID)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Equal(t, hashOf(text), recs[0].TextHash)
	require.True(t, recs[0].Granted)
	require.False(t, recs[1].Granted)
	msgs, err := e.store.Messages(context.Background(), conv, 0, 10)
	require.NoError(t, err)
	require.Len(t, msgs, 1, "refused messages change nothing")
}

// Texts come in the visitor's language, consent texts with their hash
// and safe links; chatting under legitimate interest records the implied
// consent to the text shown.
func TestConsentTextsAndImpliedConsent(t *testing.T) {
	f := flow.New("Support")
	f.ID = "support"
	f.Options.Consent.Processing.PrivacyPolicyURL = "https://shop.example/privacy"
	e := newEnv(t, func(c *livechat.Config) {
		c.Flows = []*flow.Chatflow{f}
		c.Texts = &consent.Catalog{Overrides: map[string]map[consent.Key]string{"sv": {consent.KeyWaitMessage: "Alla är upptagna just nu."}}}
	})
	v := e.newVisitor()
	chat := v.fullChat(map[string]any{"url": "https://shop.example/", "language": "sv-SE"})
	require.Equal(t, "sv", chat["language"])
	texts := chat["texts"].(map[string]any)
	require.Equal(t, "Alla är upptagna just nu.", texts["waitMessage"], "a host override")
	require.Equal(t, consent.Default(consent.Match("sv", ""), consent.KeySurveyQuestion), texts["surveyQuestion"])
	processing := chat["consent"].(map[string]any)["processing"].(map[string]any)
	require.Equal(t, "legitimate_interest", processing["kind"])
	text := processing["text"].(string)
	require.Equal(t, hashOf(text), processing["textHash"])
	var link string
	for _, s := range processing["segments"].([]any) {
		if u, ok := s.(map[string]any)["url"].(string); ok {
			link = u
		}
	}
	require.Equal(t, "https://shop.example/privacy", link)

	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://shop.example/", "chatflowId": "support"})
	require.Equal(t, 201, status)
	conv := body["conversation"].(map[string]any)["id"].(string)
	for i := range 2 {
		status, _ = v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": fmt.Sprint("m", i), "text": "hej"})
		require.Equal(t, 201, status)
	}
	c, err := e.store.Conversation(context.Background(), conv)
	require.NoError(t, err)
	recs, err := e.store.Consents(context.Background(), c.VisitorID)
	require.NoError(t, err)
	require.Len(t, recs, 1, "recorded once")
	require.Equal(t, "processing", recs[0].Kind)
	require.True(t, recs[0].Granted)
	require.Equal(t, hashOf(text), recs[0].TextHash, "the text the visitor was shown")
}

// The consent-to-communicate checkbox names the company, else the account,
// else the site.
func TestCommunicationLabel(t *testing.T) {
	for _, tt := range []struct{ name, company, account, want string }{
		{"Company", "Acme AB", "acme-main", "Acme AB"},
		{"Account", "", "acme-main", "acme-main"},
		{"Domain", "", "", "127.0.0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := flow.New("News")
			f.ID = "news"
			f.Options.Consent.Communication = consent.Communication{Enabled: true, Subscriptions: []consent.Subscription{{ID: "news"}}}
			e := newEnv(t, func(c *livechat.Config) {
				c.Flows = []*flow.Chatflow{f}
				c.Company = tt.company
				c.Account = tt.account
			})
			chat := e.newVisitor().configFor("https://shop.example/")
			boxes := chat["consent"].(map[string]any)["communication"].([]any)
			require.Len(t, boxes, 1)
			box := boxes[0].(map[string]any)
			require.Equal(t, "communication:news", box["kind"])
			require.Contains(t, box["label"], tt.want)
		})
	}
}
