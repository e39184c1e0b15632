package livechat_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/identity"
)

// agentVisitorNames returns the visitorName of every conversation in the
// agent's list, by conversation id, and checks that the thread answer
// names each visitor the same way.
func agentVisitorNames(t *testing.T, e *testEnv) map[string]string {
	t.Helper()
	status, body := e.agentDo("a1", "GET", "api/v1/agent/conversations?status=all", nil)
	require.Equal(t, 200, status, "%v", body)
	names := map[string]string{}
	for _, c := range body["conversations"].([]any) {
		c := c.(map[string]any)
		id := c["id"].(string)
		names[id], _ = c["visitorName"].(string)
		status, thread := e.agentDo("a1", "GET", "api/v1/agent/conversations/"+id, nil)
		require.Equal(t, 200, status, "%v", thread)
		require.Equal(t, names[id], thread["conversation"].(map[string]any)["visitorName"])
	}
	return names
}

// The inbox names a visitor by what is known: the contact's name, else its
// email, else a readable name generated from the visitor id.
func TestVisitorNames(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) {
		c.Identity = &identity.Verifier{Keys: map[string][]byte{"k1": identityKey}, Audience: "shop.example"}
	})

	named := e.browser()
	named.configWith(identityToken(t, "user-1"))
	namedConv := named.start()

	emailed := e.newVisitor()
	emailedConv := emailed.start()
	status, body := emailed.do("POST", "api/v1/visitor/email", map[string]any{"email": "zoe@example.com"})
	require.Equal(t, 200, status, "%v", body)

	anon := e.newVisitor()
	anonConv := anon.start()

	names := agentVisitorNames(t, e)
	require.Equal(t, "Zoë user-1", names[namedConv])
	require.Equal(t, "zoe@example.com", names[emailedConv])
	require.Regexp(t, regexp.MustCompile(`^[A-Z][a-z]+ [A-Z][a-z]+$`), names[anonConv])
	require.Equal(t, names[anonConv], agentVisitorNames(t, e)[anonConv], "the generated name changes between calls")
}

// A visitor who types the email of a contact the host verified is not
// shown as that person: the inbox gets the address they typed, unverified,
// and not the contact's name.
func TestVisitorNamesTypedEmailOfVerifiedContact(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) {
		c.Identity = &identity.Verifier{Keys: map[string][]byte{"k1": identityKey}, Audience: "shop.example"}
	})
	named := e.browser()
	named.configWith(identityToken(t, "user-1"))
	namedConv := named.start()

	impostor := e.newVisitor()
	impostorConv := impostor.start()
	status, body := impostor.do("POST", "api/v1/visitor/email", map[string]any{"email": "USER-1@example.com"})
	require.Equal(t, 200, status, "%v", body)

	names := agentVisitorNames(t, e)
	require.Equal(t, "Zoë user-1", names[namedConv])
	require.Equal(t, "user-1@example.com", names[impostorConv])
	contactOf := func(conv string) map[string]any {
		status, thread := e.agentDo("a1", "GET", "api/v1/agent/conversations/"+conv, nil)
		require.Equal(t, 200, status, "%v", thread)
		return thread["conversation"].(map[string]any)["visitor"].(map[string]any)["contact"].(map[string]any)
	}
	require.Equal(t, true, contactOf(namedConv)["verified"], "the identified user")
	c := contactOf(impostorConv)
	require.Equal(t, false, c["verified"], "a typed address is not verified")
	require.NotContains(t, c, "name", "nor shown with the verified contact's name")
	require.Equal(t, "user-1@example.com", c["email"])
}

// Every node gives an anonymous visitor the same generated name.
func TestVisitorNamesAcrossNodes(t *testing.T) {
	nodes, _ := cluster(t, 2)
	var convs []string
	for range 3 {
		convs = append(convs, nodes[0].newVisitor().start())
	}
	first, second := agentVisitorNames(t, nodes[0]), agentVisitorNames(t, nodes[1])
	for _, c := range convs {
		require.NotEmpty(t, first[c])
		require.Equal(t, first[c], second[c], "the nodes name the visitor of %s differently", c)
	}
}
