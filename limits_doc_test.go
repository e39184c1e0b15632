package livechat_test

import (
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// docSection returns the text of the Markdown section that starts with
// heading, up to the next heading of any level.
func docSection(t *testing.T, doc, heading string) string {
	t.Helper()
	i := strings.Index(doc, "\n"+heading+"\n")
	require.GreaterOrEqual(t, i, 0, "no section %q", heading)
	rest := doc[i+len(heading)+2:]
	if j := strings.Index(rest, "\n#"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// A client written from PROTOCOL.md alone knows every limit: each Config
// field that sets one is in the Limits or Rate limits table, every Config
// field is in README's configuration table, and the body limits the
// tables state are the ones the server answers with.
func TestLimitsDocumented(t *testing.T) {
	protocol, err := os.ReadFile("PROTOCOL.md")
	require.NoError(t, err)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	limits := docSection(t, string(protocol), "### Limits") + docSection(t, string(protocol), "### Rate limits")
	config := docSection(t, string(readme), "## Configuration")

	notLimits := map[string]bool{"PresenceGrace": true, "WaitingThreshold": true, "ReassignAfter": true, "ConsentRetention": true}
	ct := reflect.TypeFor[livechat.Config]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		require.Contains(t, config, "`"+f.Name+"`", "README's configuration table lacks Config.%s", f.Name)
		switch f.Type {
		case reflect.TypeFor[int](), reflect.TypeFor[float64](), reflect.TypeFor[time.Duration]():
			if !notLimits[f.Name] {
				require.Contains(t, limits, "`"+f.Name+"`", "PROTOCOL.md's limits lack Config.%s", f.Name)
			}
		}
	}

	e := newEnv(t)
	status, body := doJSON(t, http.DefaultClient, "POST", e.base+"api/v1/visitor/config", map[string]any{"url": strings.Repeat("a", 70<<10)}, nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, status)
	require.Contains(t, limits, "`\""+body["error"].(map[string]any)["message"].(string)+"\"`")
	status, body = e.agentDo("admin1", "POST", "api/v1/admin/chatflows", map[string]any{"name": strings.Repeat("a", 300<<10)})
	require.Equal(t, http.StatusRequestEntityTooLarge, status)
	require.Contains(t, limits, "`\""+body["error"].(map[string]any)["message"].(string)+"\"`")
}
