package livechat_test

import (
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// The message that closes a conversation carries a code and who ended it,
// so that the widget says it in the visitor's language with the texts of
// the config answer; the English text stays for other clients.
func TestCloseMessageCode(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	v := &visitor{e: e, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	chat := v.fullChat(map[string]any{"url": e.srv.URL + "/pricing", "language": "de-DE"})
	require.Equal(t, "de", chat["language"])
	texts := chat["texts"].(map[string]any)
	require.Equal(t, "Das Gespräch wurde beendet.", texts["ended"])
	require.Equal(t, "{name} hat das Gespräch beendet.", texts["endedBy"])

	for _, tc := range []struct{ agent, author, text string }{
		{"a1", "Agent a1", "Agent a1 ended the conversation."},
		{"", "", "The conversation has ended."},
	} {
		conv := v.start()
		var status int
		if tc.agent != "" {
			status, _ = e.agentDo(tc.agent, "POST", "api/v1/agent/conversations/"+conv+"/close", map[string]any{})
		} else {
			_, err := e.chat.CloseConversation(t.Context(), conv, "")
			require.NoError(t, err)
			status = http.StatusOK
		}
		require.Equal(t, http.StatusOK, status)
		_, body := v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
		msgs := body["messages"].([]any)
		last := msgs[len(msgs)-1].(map[string]any)
		require.Equal(t, "system", last["sender"])
		require.Equal(t, livechat.CodeConversationEnded, last["code"])
		require.Equal(t, tc.text, last["text"])
		if tc.author == "" {
			require.NotContains(t, last, "authorName")
		} else {
			require.Equal(t, tc.author, last["authorName"])
		}
	}
}
