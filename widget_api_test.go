package livechat_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
)

// LiveChat.clear() forgets the visitor: the forget call removes the
// HttpOnly visitor cookie (the page cannot), so that the next config call
// makes a new visitor, who sees none of the previous one's conversations.
// It needs no token and may be repeated.
func TestForgetVisitor(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	base, _ := url.Parse(e.base)
	require.NotEmpty(t, v.client.Jar.Cookies(base), "the config call set the visitor cookie")

	// The Set-Cookie headers PROTOCOL.md shows for the forget call: over
	// HTTP, then over TLS.
	doc, err := os.ReadFile("PROTOCOL.md")
	require.NoError(t, err)
	section := regexp.MustCompile("(?s)### `POST <mount>api/v1/visitor/forget`\n(.*?)\n###").FindSubmatch(doc)
	require.NotNil(t, section, "PROTOCOL.md documents the forget call")
	var documented []string
	for _, m := range regexp.MustCompile("`Set-Cookie: ([^`]*)`").FindAllSubmatch(section[1], -1) {
		documented = append(documented, strings.ReplaceAll(string(m[1]), "<mount>", "/livechat/"))
	}
	require.Len(t, documented, 2, "PROTOCOL.md shows the header over HTTP and over TLS")

	for range 2 {
		req, _ := http.NewRequest("POST", e.base+"api/v1/visitor/forget", nil)
		resp, err := v.client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		require.Equal(t, []string{documented[0]}, resp.Header.Values("Set-Cookie"), "the header PROTOCOL.md shows")
		var gone *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "livechat_visitor" {
				gone = c
			}
		}
		require.NotNil(t, gone, "the answer removes the cookie")
		require.Equal(t, -1, gone.MaxAge)
		require.Equal(t, "/livechat/", gone.Path, "the path the cookie was set with")
		require.True(t, gone.HttpOnly)
		require.Empty(t, v.client.Jar.Cookies(base), "the browser dropped the cookie")
	}

	status, cfg := v.do("POST", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/"})
	require.Equal(t, http.StatusOK, status)
	require.Nil(t, cfg["conversation"], "a new visitor has no conversation")

	// Another site cannot make the browser forget its visitor.
	req, _ := http.NewRequest("POST", e.base+"api/v1/visitor/forget", nil)
	req.Header.Set("Origin", "https://evil.example")
	resp, err := v.client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Empty(t, resp.Cookies(), "the cookie stays")
	require.NotEmpty(t, v.client.Jar.Cookies(base))
	status, _ = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, http.StatusNotFound, status, "the new visitor cannot read the previous one's conversation")

	// Over TLS the cookie is removed as it was set, Secure.
	w := httptest.NewRecorder()
	budgetHandler(t).ServeHTTP(w, httptest.NewRequest("POST", "https://shop.example/livechat/api/v1/visitor/forget", nil))
	require.Equal(t, http.StatusNoContent, w.Code)
	require.Equal(t, []string{documented[1]}, w.Result().Header.Values("Set-Cookie"), "the header PROTOCOL.md shows over TLS")
}

// The config answer counts, for a closed conversation, the messages of
// others past the visitor's read mark: the launcher's badge, without the
// chat's script.
func TestConfigCountsUnread(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.newVisitor()
	conv := v.start()
	status, _ := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "m1", "text": "Hello?"})
	require.Equal(t, http.StatusCreated, status)
	unread := func() any {
		t.Helper()
		status, cfg := v.do("POST", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/"})
		require.Equal(t, http.StatusOK, status)
		return cfg["conversation"].(map[string]any)["unread"]
	}
	require.Nil(t, unread(), "an open conversation: the chat counts")

	require.NoError(t, e.store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada"}))
	_, err := e.chat.Reply(ctx, conv, "ada", "", "Hi! One moment.")
	require.NoError(t, err)
	_, err = e.chat.Reply(ctx, conv, "ada", "", "Here it is.")
	require.NoError(t, err)
	_, err = e.chat.CloseConversation(ctx, conv, "ada")
	require.NoError(t, err)
	require.EqualValues(t, 3, unread(), "two replies and the closing notice")

	msgs, err := e.chat.Messages(ctx, conv, 0, 50)
	require.NoError(t, err)
	status, _ = v.do("POST", "api/v1/visitor/conversations/"+conv+"/read", map[string]any{"seq": msgs[len(msgs)-1].Seq})
	require.Equal(t, http.StatusOK, status)
	require.Nil(t, unread(), "all read")
}

// The config answer carries the text colour readable on the chat's accent
// colour, so that the launcher need not compute it.
func TestConfigAccentText(t *testing.T) {
	for _, tc := range []struct{ name, accent, want string }{
		{"Default", flow.DefaultAccentColor, "#fff"},
		{"Light", "#fde047", "#111"},
		{"Dark", "#1e3a8a", "#fff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := flow.New("Chat")
			f.ID = "chat"
			f.Enabled = true
			f.Display.AccentColor = tc.accent
			e := newEnv(t, func(c *livechat.Config) { c.Flows = []*flow.Chatflow{f} })
			v := e.newVisitor()
			status, cfg := v.do("POST", "api/v1/visitor/config", map[string]any{"url": "https://shop.example/"})
			require.Equal(t, http.StatusOK, status)
			chat := cfg["chat"].(map[string]any)
			require.Equal(t, tc.accent, chat["accentColor"])
			require.Equal(t, tc.want, chat["accentText"])
		})
	}
}

// BenchmarkPageViewClosedConversation measures what a launcher-only page
// view of a returning visitor whose conversation is closed, with agent
// messages unread, costs the server and the browser's round trips:
// "Config" is the config call alone, which counts the unread messages for
// the badge; "ConfigAndMessages" adds the two messages calls the widget
// made to count them itself before the config answer did; "NoConversation"
// is the config call of a returning visitor without a conversation, the
// ceiling the first is compared with.
func BenchmarkPageViewClosedConversation(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	require.NoError(b, e.store.PutAgent(ctx, &livechat.Agent{ID: "ada", Name: "Ada"}))
	v := e.newVisitor()
	conv := v.start()
	status, _ := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": "m1", "text": "Hello?"})
	require.Equal(b, http.StatusCreated, status)
	for i := range 20 {
		_, err := e.chat.Reply(ctx, conv, "ada", "", fmt.Sprintf("Answer %d", i))
		require.NoError(b, err)
	}
	_, err := e.chat.CloseConversation(ctx, conv, "ada")
	require.NoError(b, err)
	fresh := e.newVisitor()
	page := map[string]any{"url": e.srv.URL + "/pricing", "language": "en-US", "device": "desktop"}
	config := func(v *visitor) map[string]any {
		status, cfg := v.do("POST", "api/v1/visitor/config", page)
		if status != http.StatusOK {
			b.Fatalf("config: %d %v", status, cfg)
		}
		return cfg
	}
	require.EqualValues(b, 21, config(v)["conversation"].(map[string]any)["unread"])
	b.Run("Config", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			config(v)
		}
	})
	b.Run("ConfigAndMessages", func(b *testing.B) {
		b.ReportAllocs()
		q := "api/v1/visitor/conversations/" + conv + "/messages?limit=200&after="
		for b.Loop() {
			c := config(v)["conversation"].(map[string]any)
			if status, _ := v.do("GET", q+fmt.Sprint(c["lastSeq"]), nil); status != http.StatusOK {
				b.Fatal(status)
			}
			if status, _ := v.do("GET", q+"1", nil); status != http.StatusOK {
				b.Fatal(status)
			}
		}
	})
	b.Run("NoConversation", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			config(fresh)
		}
	})
}
