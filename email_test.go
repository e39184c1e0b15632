package livechat_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

func TestEmailCapture(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.newVisitor()
	conv := v.start()

	for _, bad := range []string{"", "not an email", "a@b", "Zoë <zoe@example.com>", "x@example.com\nBcc: y@example.com"} {
		status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": bad})
		require.Equal(t, 400, status, bad)
		require.Equal(t, "bad_request", errCode(body))
	}
	contacts := func() int {
		n := 0
		for _, email := range []string{"zoe@example.com"} {
			if _, err := e.store.ContactByEmail(ctx, email); err == nil {
				n++
			}
		}
		return n
	}
	require.Zero(t, contacts(), "bad input creates nothing")

	status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": "zoe@example.com"})
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, false, body["contact"].(map[string]any)["verified"])

	// Another visitor typing the same address (in capitals) is matched to
	// the same contact, and still cannot read the first one's conversation.
	other := e.newVisitor()
	status, _ = other.do("POST", "api/v1/visitor/email", map[string]any{"email": "ZOE@example.com"})
	require.Equal(t, 200, status)
	c1, err := e.store.ContactByEmail(ctx, "zoe@example.com")
	require.NoError(t, err)
	status, _ = other.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, 404, status)

	// A chatflow may mark the contacts it creates as marketing contacts.
	status, _ = e.newVisitor().do("POST", "api/v1/visitor/email", map[string]any{"email": "plain@example.com", "chatflowId": "default"})
	require.Equal(t, 200, status)
	plain, err := e.store.ContactByEmail(ctx, "plain@example.com")
	require.NoError(t, err)
	require.Empty(t, plain.Properties[livechat.MarketingContactProperty], "off by default")

	// Agents see the contact and that it is not verified.
	_, body = e.agentDo("a1", "GET", "api/v1/agent/conversations/"+conv, nil)
	contact := body["conversation"].(map[string]any)["visitor"].(map[string]any)["contact"].(map[string]any)
	require.Equal(t, c1.ID, contact["id"])
	require.Equal(t, false, contact["verified"])
}

func TestMarketingContacts(t *testing.T) {
	f := flow.New("Newsletter")
	f.ID = "news"
	f.Options.Consent.MarketingContacts = true
	e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f} })
	status, _ := e.newVisitor().do("POST", "api/v1/visitor/email", map[string]any{"email": "lead@example.com", "chatflowId": "news"})
	require.Equal(t, 200, status)
	c, err := e.store.ContactByEmail(context.Background(), "lead@example.com")
	require.NoError(t, err)
	require.Equal(t, "true", c.Properties[livechat.MarketingContactProperty])
}

// The address limit is 254 bytes (as in RFC 5321), and the error says
// so: an address of 138 characters that takes 264 bytes is refused for
// its bytes, not told it has too many characters.
func TestEmailLimitIsInBytes(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	email := strings.Repeat("é", 126) + "@example.com"
	require.Less(t, utf8.RuneCountInString(email), 254)
	status, body := v.do("POST", "api/v1/visitor/email", map[string]any{"email": email})
	require.Equal(t, 400, status)
	require.Equal(t, "bad_request", errCode(body))
	require.Equal(t, "email must be 1 to 254 bytes", body["error"].(map[string]any)["message"])
}
