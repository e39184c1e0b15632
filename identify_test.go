package livechat_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/identity"
)

var identityKey = []byte("identity key of at least 32 bytes!!")

func identityToken(t *testing.T, sub string, mutate ...func(*identity.Claims)) string {
	t.Helper()
	c := identity.Claims{Subject: sub, Name: "Zoë " + sub, Email: sub + "@example.com", Audience: "shop.example"}
	for _, m := range mutate {
		m(&c)
	}
	tok, err := identity.Mint("k1", identityKey, c)
	require.NoError(t, err)
	return tok
}

// browser is a visitor whose config calls carry an identity token.
func (e *testEnv) browser() *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{e: e, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (v *visitor) configWith(token string) map[string]any {
	v.e.t.Helper()
	status, body := v.do("POST", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/", "identity": token})
	require.Equal(v.e.t, 200, status, "%v", body)
	return body
}

func TestIdentifiedVisitors(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) {
		c.Identity = &identity.Verifier{Keys: map[string][]byte{"k1": identityKey}, Audience: "shop.example"}
	})
	ctx := context.Background()

	// On a laptop, user-1 starts a conversation.
	laptop := e.browser()
	require.Equal(t, true, laptop.configWith(identityToken(t, "user-1"))["identified"])
	conv := laptop.start()

	// On a phone, the same user sees it.
	phone := e.browser()
	body := phone.configWith(identityToken(t, "user-1"))
	require.Equal(t, conv, body["conversation"].(map[string]any)["id"])
	status, _ := phone.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, 200, status)

	// The contact is verified, with the name the host vouched for.
	c, err := e.chat.Conversation(ctx, conv)
	require.NoError(t, err)
	v, err := e.store.Visitor(ctx, c.VisitorID)
	require.NoError(t, err)
	contact, err := e.store.Contact(ctx, v.ContactID)
	require.NoError(t, err)
	require.True(t, contact.Verified)
	require.Equal(t, "Zoë user-1", contact.Name)

	// user-2 logs in on the laptop: a new session that cannot read user-1's.
	body = laptop.configWith(identityToken(t, "user-2"))
	require.Nil(t, body["conversation"])
	status, _ = laptop.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, 404, status)

	// Logging out rotates to an anonymous session too.
	body = phone.configWith("")
	require.Equal(t, false, body["identified"])
	require.Nil(t, body["conversation"])
	status, _ = phone.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, 404, status)

	// Forged, expired, wrong-audience and unknown-key tokens leave the
	// visitor anonymous.
	bad := map[string]string{
		"Forged": identityToken(t, "user-1")[:40] + "x" + identityToken(t, "user-1")[41:],
		"Expired": identityToken(t, "user-1", func(c *identity.Claims) {
			c.IssuedAt = time.Now().Add(-3 * time.Hour).Unix()
			c.ExpiresAt = time.Now().Add(-2 * time.Hour).Unix()
		}),
		"WrongAudience": identityToken(t, "user-1", func(c *identity.Claims) { c.Audience = "other.example" }),
	}
	other, err := identity.Mint("k9", identityKey, identity.Claims{Subject: "user-1", Audience: "shop.example"})
	require.NoError(t, err)
	bad["UnknownKey"] = other
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			body := b.configWith(tok)
			require.Equal(t, false, body["identified"])
			require.Nil(t, body["conversation"])
		})
	}
}
