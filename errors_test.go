package livechat_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/memory"
	"github.com/golivechat/livechat/storage/sqlite"
)

// storages are the adapters a user picks by default: storage/sqlite (the
// README's choice) and storage/memory.
var storages = []struct {
	name string
	open func(t *testing.T) livechat.Storage
}{
	{"sqlite", func(t *testing.T) livechat.Storage {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "chat.db"))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"memory", func(t *testing.T) livechat.Storage { return memory.New() }},
}

// answer is an HTTP answer as bytes: what a client could compare.
type answer struct {
	Status int
	Header http.Header
	Body   string
}

func rawDo(t testing.TB, c *http.Client, method, url, body string, h http.Header) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Header.Del("Date")
	return answer{resp.StatusCode, resp.Header, string(data)}
}

func (w *wsClient) nextRaw() string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := w.conn.Read(ctx)
	require.NoError(w.t, err)
	return string(data)
}

// A conversation id that does not exist, one that is malformed, and
// another visitor's get byte-for-byte the same answer on every visitor
// route and frame that takes a conversation id.
func TestNotFoundIsTheSameForEveryone(t *testing.T) {
	for _, st := range storages {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			e := newEnv(t, func(c *livechat.Config) { c.Storage = store })
			v := e.newVisitor()
			v.start()
			other := e.newVisitor()
			ids := map[string]string{
				"missing":   "5b0e0a4e-8f3c-4c1e-9a43-2f6d1e7c9b10",
				"malformed": "nope",
				"others":    other.start(),
			}
			routes := []struct{ method, path, body string }{
				{"GET", "api/v1/visitor/conversations/{id}/messages", ""},
				{"GET", "api/v1/visitor/conversations/{id}/messages?after=0&limit=10", ""},
				{"POST", "api/v1/visitor/conversations/{id}/messages", `{"clientMessageId":"c1","text":"hi"}`},
				{"POST", "api/v1/visitor/conversations/{id}/read", `{"seq":1}`},
				{"GET", "api/v1/visitor/conversations/{id}/queue", ""},
				{"POST", "api/v1/visitor/conversations/{id}/survey", `{"rating":5}`},
				{"POST", "api/v1/visitor/conversations/{id}/typing", `{"typing":true}`},
				{"GET", "api/v1/visitor/poll?conversationId={id}&after=0&timeout=1", ""},
			}
			for _, rt := range routes {
				t.Run(rt.method+" "+rt.path, func(t *testing.T) {
					got := map[string]answer{}
					for name, id := range ids {
						got[name] = rawDo(t, v.client, rt.method, e.base+strings.ReplaceAll(rt.path, "{id}", id), rt.body, nil)
					}
					require.Equal(t, http.StatusNotFound, got["missing"].Status, "%v", got["missing"])
					require.JSONEq(t, `{"error":{"code":"not_found","message":"conversation not found"}}`, got["missing"].Body)
					require.Equal(t, got["missing"], got["others"])
					require.Equal(t, got["missing"], got["malformed"])
				})
			}
			ws := v.dial()
			frames := []string{
				`{"type":"subscribe","ref":"r1","conversationId":"{id}","after":0}`,
				`{"type":"send","ref":"r2","conversationId":"{id}","clientMessageId":"c2","text":"hi"}`,
				`{"type":"typing","ref":"r3","conversationId":"{id}","typing":true}`,
				`{"type":"read","ref":"r4","conversationId":"{id}","seq":1}`,
			}
			for _, frame := range frames {
				t.Run(frame, func(t *testing.T) {
					got := map[string]string{}
					for name, id := range ids {
						ws.sendRaw([]byte(strings.ReplaceAll(frame, "{id}", id)))
						got[name] = ws.nextRaw()
					}
					require.Contains(t, got["missing"], `"code":"not_found","message":"conversation not found"`)
					require.Equal(t, got["missing"], got["others"])
					require.Equal(t, got["missing"], got["malformed"])
				})
			}
			msgs, err := e.store.Messages(context.Background(), ids["others"], 0, 10)
			require.NoError(t, err)
			require.Empty(t, msgs, "nothing reached the other visitor's conversation")
		})
	}
}

// leakWords must appear in no error a client gets.
var leakWords = []string{"sqlite", "SQL", "constraint", "inFrame", "of type", "stored version", "livechat:", "Go struct", "json:"}

// requireStableError checks an error body or frame: the code, a message
// documented in PROTOCOL.md, and no storage, SQL or Go words.
func requireStableError(t *testing.T, e map[string]any, code string) string {
	t.Helper()
	require.Equal(t, code, e["code"], "%v", e)
	msg, _ := e["message"].(string)
	for _, w := range leakWords {
		require.NotContains(t, msg, w)
	}
	require.True(t, documentedMessage(t, msg), "message %q is not in PROTOCOL.md's error table", msg)
	return msg
}

// protocolMessages are the messages PROTOCOL.md's error section lists, as
// patterns: <placeholder> stands for any text.
func protocolMessages(t testing.TB) []*regexp.Regexp {
	t.Helper()
	out, err := loadProtocolMessages()
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return out
}

var loadProtocolMessages = sync.OnceValues(func() ([]*regexp.Regexp, error) {
	doc, err := os.ReadFile("PROTOCOL.md")
	if err != nil {
		return nil, err
	}
	section := string(doc)
	start := strings.Index(section, "### Errors")
	if start < 0 {
		return nil, errors.New("PROTOCOL.md has no Errors section")
	}
	section = section[start:]
	if end := strings.Index(section[4:], "\n## "); end >= 0 {
		section = section[:end+4]
	}
	var out []*regexp.Regexp
	// Each message is written as its JSON string, in backquotes.
	for _, m := range regexp.MustCompile("`(\"[^`]*\")`").FindAllStringSubmatch(section, -1) {
		var msg string
		if err := json.Unmarshal([]byte(m[1]), &msg); err != nil {
			return nil, fmt.Errorf("PROTOCOL.md message %s: %w", m[1], err)
		}
		parts := regexp.MustCompile(`<[^>]+>`).Split(msg, -1)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		out = append(out, regexp.MustCompile("^"+strings.Join(parts, ".+")+"$"))
	}
	return out, nil
})

// requirePublicMessage fails unless an error's message is documented and
// free of storage, SQL and Go words.
func requirePublicMessage(t testing.TB, e map[string]any, input []byte) {
	t.Helper()
	msg, _ := e["message"].(string)
	for _, w := range leakWords {
		require.NotContains(t, msg, w, "input %q", input)
	}
	require.True(t, documentedMessage(t, msg), "input %q: message %q is not in PROTOCOL.md's error table", input, msg)
}

func documentedMessage(t testing.TB, msg string) bool {
	for _, re := range protocolMessages(t) {
		if re.MatchString(msg) {
			return true
		}
	}
	return false
}

// Every message the code can give a client is in PROTOCOL.md: each
// publicf format (its verbs standing for placeholders) and each code's
// default message.
func TestErrorMessagesDocumented(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	verb := regexp.MustCompile(`%[qdsv]`)
	var formats []string
	codes := map[string]bool{}    // every code errorCode returns
	defaults := map[string]bool{} // every code with a default message
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "publicf" && len(n.Args) >= 2 {
					lit, ok := n.Args[1].(*ast.BasicLit)
					require.True(t, ok, "%s: publicf needs a literal format", fset.Position(n.Pos()))
					s, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					formats = append(formats, s)
				}
			case *ast.ValueSpec:
				if len(n.Names) == 1 && n.Names[0].Name == "defaultMessages" {
					for _, el := range n.Values[0].(*ast.CompositeLit).Elts {
						kv := el.(*ast.KeyValueExpr)
						s, err := strconv.Unquote(kv.Value.(*ast.BasicLit).Value)
						require.NoError(t, err)
						formats = append(formats, s)
						code, err := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
						require.NoError(t, err)
						defaults[code] = true
					}
				}
			case *ast.FuncDecl:
				if n.Name.Name == "errorCode" {
					ast.Inspect(n.Body, func(n ast.Node) bool {
						if ret, ok := n.(*ast.ReturnStmt); ok && len(ret.Results) == 2 {
							code, err := strconv.Unquote(ret.Results[1].(*ast.BasicLit).Value)
							require.NoError(t, err)
							codes[code] = true
						}
						return true
					})
				}
			}
			return true
		})
	}
	require.Greater(t, len(formats), 30)
	require.Greater(t, len(codes), 10)
	require.Equal(t, codes, defaults, "every code errorCode returns has a default message, and no other")
	doc, err := os.ReadFile("PROTOCOL.md")
	require.NoError(t, err)
	for code := range codes {
		require.Contains(t, string(doc), "| `"+code+"` |", "PROTOCOL.md's error table lists %s", code)
	}
	for _, f := range formats {
		// A sample message: each verb filled with a word.
		msg := strings.ReplaceAll(f, "%q", `"x"`)
		msg = verb.ReplaceAllString(msg, "x")
		msg = strings.ReplaceAll(msg, `%%`, `%`)
		require.True(t, documentedMessage(t, msg), "PROTOCOL.md does not list the message %q", f)
		for _, w := range leakWords {
			require.NotContains(t, f, w)
		}
	}
}

// The answers that used to show storage, SQL and Go words now say what
// went wrong in the protocol's own words.
func TestErrorsLeakNothing(t *testing.T) {
	for _, st := range storages {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			support := flow.New("Support")
			support.ID = "support"
			support.Options.SurveyID = "csat"
			e := newEnv(t, func(c *livechat.Config) { c.Storage = store; c.Flows = []*flow.Chatflow{support} })
			v := e.newVisitor()
			conv := v.start()
			errOf := func(status int, body map[string]any) map[string]any {
				t.Helper()
				e, _ := body["error"].(map[string]any)
				require.NotNil(t, e, "status %d: %v", status, body)
				return e
			}
			post := func(body string) (int, map[string]any) {
				return v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", body)
			}

			t.Run("MalformedJSON", func(t *testing.T) {
				status, body := post(`{"clientMessageId":`)
				require.Equal(t, 400, status)
				require.Equal(t, "malformed JSON", requireStableError(t, errOf(status, body), "bad_request"))
				status, body = post(`{"clientMessageId":"c1","text":"hi"} {}`)
				require.Equal(t, 400, status)
				require.Equal(t, "malformed JSON", requireStableError(t, errOf(status, body), "bad_request"))
			})
			t.Run("WrongTypeInBody", func(t *testing.T) {
				status, body := post(`{"clientMessageId":"c1","text":5}`)
				require.Equal(t, 400, status)
				require.Equal(t, `"text" must be a string`, requireStableError(t, errOf(status, body), "bad_request"))
				status, body = post(`["hi"]`)
				require.Equal(t, 400, status)
				require.Equal(t, "the body must be a JSON object", requireStableError(t, errOf(status, body), "bad_request"))
			})
			t.Run("UnknownField", func(t *testing.T) {
				status, body := post(`{"clientMessageId":"c1","text":"hi","admin":true}`)
				require.Equal(t, 400, status)
				require.Equal(t, `unknown field "admin"`, requireStableError(t, errOf(status, body), "bad_request"))
			})
			t.Run("MissingConversation", func(t *testing.T) {
				status, body := v.do("GET", "api/v1/visitor/conversations/5b0e0a4e-8f3c-4c1e-9a43-2f6d1e7c9b10/messages", nil)
				require.Equal(t, 404, status)
				require.Equal(t, "conversation not found", requireStableError(t, errOf(status, body), "not_found"))
				status, body = e.agentDo("a1", "GET", "api/v1/agent/conversations/5b0e0a4e-8f3c-4c1e-9a43-2f6d1e7c9b10", nil)
				require.Equal(t, 404, status)
				require.Equal(t, "conversation not found", requireStableError(t, errOf(status, body), "not_found"))
			})
			t.Run("WrongTypeInFrame", func(t *testing.T) {
				ws := v.dial()
				ws.send(map[string]any{"type": "send", "ref": "r1", "conversationId": conv, "clientMessageId": "c1", "text": 5})
				f := ws.nextOf("error")
				require.Equal(t, "r1", f["ref"])
				require.Equal(t, `"text" must be a string`, requireStableError(t, f, "bad_request"))
			})
			t.Run("StaleChatflowVersion", func(t *testing.T) {
				status, body := e.agentDo("admin1", "POST", "api/v1/admin/chatflows", map[string]any{"id": "sales", "name": "Sales"})
				require.Equal(t, 201, status, "%v", body)
				h := http.Header{"X-Test-Agent": {"admin1"}, "If-Match": {`"1"`}}
				status, body = doJSON(t, http.DefaultClient, "PUT", e.base+"api/v1/admin/chatflows/sales", map[string]any{"name": "Sales 2"}, h)
				require.Equal(t, 200, status, "%v", body)
				status, body = doJSON(t, http.DefaultClient, "PUT", e.base+"api/v1/admin/chatflows/sales", map[string]any{"name": "Sales 3"}, h)
				require.Equal(t, 409, status, "%v", body)
				require.Equal(t, "the chatflow has changed since that version: get it again", requireStableError(t, errOf(status, body), "conflict"))
				status, body = doJSON(t, http.DefaultClient, "DELETE", e.base+"api/v1/admin/chatflows/sales", nil, h)
				require.Equal(t, 409, status, "%v", body)
				require.Equal(t, "the chatflow has changed since that version: get it again", requireStableError(t, errOf(status, body), "conflict"))
			})
			t.Run("DuplicateChatflowID", func(t *testing.T) {
				status, body := e.agentDo("admin1", "POST", "api/v1/admin/chatflows", map[string]any{"id": "help", "name": "Help"})
				require.Equal(t, 201, status, "%v", body)
				status, body = e.agentDo("admin1", "POST", "api/v1/admin/chatflows", map[string]any{"id": "help", "name": "Help"})
				require.Equal(t, 409, status, "%v", body)
				require.Equal(t, "a chatflow with this id exists", requireStableError(t, errOf(status, body), "conflict"))
			})
			t.Run("SurveyTwice", func(t *testing.T) {
				v2 := e.newVisitor()
				status, body := v2.do("POST", "api/v1/visitor/conversations", map[string]any{"url": e.srv.URL + "/pricing", "chatflowId": "support"})
				require.Equal(t, 201, status, "%v", body)
				c2 := body["conversation"].(map[string]any)["id"].(string)
				_, err := e.chat.CloseConversation(context.Background(), c2, "")
				require.NoError(t, err)
				status, body = v2.do("POST", "api/v1/visitor/conversations/"+c2+"/survey", map[string]any{"rating": 5})
				require.Equal(t, 201, status, "%v", body)
				status, body = v2.do("POST", "api/v1/visitor/conversations/"+c2+"/survey", map[string]any{"rating": 4})
				require.Equal(t, 409, status, "%v", body)
				require.Equal(t, "the survey has already been answered", requireStableError(t, errOf(status, body), "conflict"))
			})
		})
	}
}

// Every error frame carries the ref of the frame it answers, a frame
// whose fields have the wrong type included.
func TestErrorFramesCarryRef(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	ws := v.dial()
	tests := []struct {
		name, frame, ref, message string
	}{
		{"TextNotString", `{"type":"send","ref":"r1","conversationId":"` + conv + `","clientMessageId":"c1","text":5}`, "r1", `"text" must be a string`},
		{"SeqNotNumber", `{"type":"read","ref":"r2","conversationId":"` + conv + `","seq":"7"}`, "r2", `"seq" must be an integer in range`},
		{"TypeNotString", `{"type":5,"ref":"r3"}`, "r3", `"type" must be a string`},
		{"TypingNotBool", `{"type":"typing","ref":"r4","conversationId":"` + conv + `","typing":"yes"}`, "r4", `"typing" must be true or false`},
		{"RefAfterTheBadField", `{"type":"send","after":"x","ref":"r5"}`, "r5", `"after" must be an integer in range`},
		{"NoType", `{"ref":"r6"}`, "r6", "frame has no type"},
		{"UnknownType", `{"type":"explode","ref":"r7"}`, "r7", "unknown frame type"},
		{"NegativeAfter", `{"type":"subscribe","ref":"r8","conversationId":"` + conv + `","after":-1}`, "r8", "after must not be negative"},
		{"EmptyText", `{"type":"send","ref":"r9","conversationId":"` + conv + `","clientMessageId":"c1","text":" "}`, "r9", "text is empty"},
		{"InvalidUTF8", "{\"type\":\"send\",\"ref\":\"r10\",\"text\":\"\xc3\x28\"}", "r10", "frame is not valid UTF-8"},
		{"NotAnObject", `["send"]`, "", "a frame must be a JSON object"},
		{"Malformed", `{"type":"send","ref":"r11"`, "", "malformed JSON frame"},
		{"RefNotString", `{"type":"send","ref":7}`, "", `"ref" must be a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws.sendRaw([]byte(tt.frame))
			f := ws.next()
			require.Equal(t, "error", f["type"], "%v", f)
			if tt.ref == "" {
				require.NotContains(t, f, "ref")
			} else {
				require.Equal(t, tt.ref, f["ref"])
			}
			require.Equal(t, tt.message, requireStableError(t, f, "bad_request"))
		})
	}
}

// A wrong method gets 405 with the methods the path takes in Allow, as
// JSON like every other error; an unknown path is 404.
func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	v := e.newVisitor()
	conv := v.start()
	routes := []struct{ path, allow string }{
		{"widget.js", "GET, HEAD"},
		{"widget.css", "GET, HEAD"},
		{"chat.js", "GET, HEAD"},
		{"chat.css", "GET, HEAD"},
		{"api/v1/visitor/chat", "POST"},
		{"inbox", "GET, HEAD"},
		{"inbox/", "GET, HEAD"},
		{"inbox/inbox.js", "GET, HEAD"},
		{"inbox/team", "GET, HEAD"},
		{"inbox/team.js", "GET, HEAD"},
		{"inbox/team.css", "GET, HEAD"},
		{"api/v1/visitor/config", "POST"},
		{"api/v1/visitor/conversations", "GET, HEAD, POST"},
		{"api/v1/visitor/email", "POST"},
		{"api/v1/visitor/consent", "POST"},
		{"api/v1/visitor/knowledge/search", "GET, HEAD"},
		{"api/v1/visitor/knowledge/articles/a", "GET, HEAD"},
		{"api/v1/visitor/conversations/" + conv + "/messages", "GET, HEAD, POST"},
		{"api/v1/visitor/conversations/" + conv + "/read", "POST"},
		{"api/v1/visitor/conversations/" + conv + "/queue", "GET, HEAD"},
		{"api/v1/visitor/conversations/" + conv + "/survey", "POST"},
		{"api/v1/visitor/conversations/" + conv + "/typing", "POST"},
		{"api/v1/visitor/ws", "GET, HEAD"},
		{"api/v1/visitor/poll", "GET, HEAD"},
		{"api/v1/agent/me", "GET, HEAD"},
		{"api/v1/agent/presence", "PUT"},
		{"api/v1/agent/agents", "GET, HEAD"},
		{"api/v1/agent/teams", "GET, HEAD"},
		{"api/v1/agent/conversations", "GET, HEAD"},
		{"api/v1/agent/conversations/" + conv, "GET, HEAD"},
		{"api/v1/agent/conversations/" + conv + "/messages", "GET, HEAD, POST"},
		{"api/v1/agent/conversations/" + conv + "/close", "POST"},
		{"api/v1/agent/conversations/" + conv + "/assign", "POST"},
		{"api/v1/agent/conversations/" + conv + "/read", "POST"},
		{"api/v1/agent/conversations/" + conv + "/typing", "POST"},
		{"api/v1/agent/ws", "GET, HEAD"},
		{"api/v1/agent/poll", "GET, HEAD"},
		{"api/v1/admin/chatflows", "GET, HEAD, POST"},
		{"api/v1/admin/chatflows/sales", "GET, HEAD, PUT, DELETE"},
		{"api/v1/admin/chatflows/sales/publish", "POST"},
		{"api/v1/admin/chatflows/sales/unpublish", "POST"},
		{"api/v1/admin/chatflows/sales/preview", "GET, HEAD"},
		{"api/v1/admin/teams", "GET, HEAD, POST"},
		{"api/v1/admin/teams/sales", "PATCH, DELETE"},
		{"api/v1/admin/teams/sales/members", "PUT"},
		{"api/v1/admin/agents", "GET, HEAD"},
		{"api/v1/admin/agents/a1", "PATCH"},
		{"api/v1/admin/visitors/v1/export", "GET, HEAD"},
		{"api/v1/admin/visitors/v1", "DELETE"},
	}
	for _, rt := range routes {
		t.Run(rt.path, func(t *testing.T) {
			for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
				if strings.Contains(rt.allow, m) {
					continue
				}
				a := rawDo(t, v.client, m, e.base+rt.path, "", nil)
				require.Equal(t, http.StatusMethodNotAllowed, a.Status, "%s %s: %v", m, rt.path, a)
				require.Equal(t, rt.allow, a.Header.Get("Allow"), m)
				require.JSONEq(t, `{"error":{"code":"method_not_allowed","message":"method not allowed"}}`, a.Body)
			}
		})
	}
	a := rawDo(t, v.client, "DELETE", e.base+"api/v1/nothing/here", "", nil)
	require.Equal(t, http.StatusNotFound, a.Status)
	require.Empty(t, a.Header.Get("Allow"))
	require.JSONEq(t, `{"error":{"code":"not_found","message":"no such route"}}`, a.Body)
}

// rawGet sends a request line exactly as given (no client cleaning) and
// returns the status and Location.
func rawGet(t *testing.T, srvURL, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(srvURL, "http://"))
	require.NoError(t, err)
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: chat.test\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// Dot segments and doubled or back slashes, encoded or not, never get a
// redirect out of the mount, however the Handler is mounted.
func TestUncleanPathsStayInTheMount(t *testing.T) {
	mounts := []struct {
		name, mount string
		handler     func(*livechat.Handler) http.Handler
		path        string // Config.Path
	}{
		{"ServeMux", "/livechat/", func(h *livechat.Handler) http.Handler {
			m := http.NewServeMux()
			m.Handle("/livechat/", h)
			return m
		}, ""},
		{"StripPrefix", "/stripped/", func(h *livechat.Handler) http.Handler {
			m := http.NewServeMux()
			m.Handle("/stripped/", http.StripPrefix("/stripped", h))
			return m
		}, ""},
		{"ConfigPath", "/cfg/", func(h *livechat.Handler) http.Handler { return h }, "/cfg/"},
		{"Root", "/", func(h *livechat.Handler) http.Handler { return h }, ""},
	}
	tails := []string{
		"..%2f..%2fevil", "..%2f..%2finbox", "api/v1/..%2f..%2f..%2fevil", "%2e%2e/evil", ".%2e%2finbox",
		"inbox/..%2f..%2f..%2fevil", "api%2fv1%2f..%2f..%2fevil", "%2f%2fevil.example/inbox",
		"%5cevil.example/inbox", "..%5c..%5cevil", "%2fevil.example%2finbox", "./inbox", "api/v1/visitor/./config",
		"api/v1/visitor//config", "%2e/inbox",
	}
	for _, mt := range mounts {
		t.Run(mt.name, func(t *testing.T) {
			store := memory.New()
			t.Cleanup(func() { store.Close() })
			chat, err := livechat.New(livechat.Config{Storage: store, Secret: testSecret, Path: mt.path})
			require.NoError(t, err)
			t.Cleanup(func() { chat.Close() })
			srv := httptestServer(t, mt.handler(chat))
			targets := []string{mt.mount + "inbox", mt.mount + "/evil.example/inbox", "//evil.example" + mt.mount + "inbox"}
			for _, tail := range tails {
				targets = append(targets, mt.mount+tail)
			}
			for _, target := range targets {
				if !strings.HasPrefix(target, mt.mount) {
					// Not below the mount: whoever answers, it stays on this host.
					status, loc := rawGet(t, srv, target)
					if status >= 300 && status <= 399 {
						require.True(t, strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//"), "%s -> %q", target, loc)
					}
					continue
				}
				status, loc := rawGet(t, srv, target)
				if status < 300 || status > 399 {
					continue
				}
				base, err := url.Parse("http://chat.test" + target)
				require.NoError(t, err)
				to, err := base.Parse(loc)
				require.NoError(t, err, "%s -> %q", target, loc)
				require.Equal(t, "chat.test", to.Host, "%s -> %q", target, loc)
				require.True(t, strings.HasPrefix(to.Path, mt.mount), "%s -> %q leaves the mount", target, loc)
				require.NotContains(t, loc, `\`)
			}
			// The inbox redirect itself still works.
			status, loc := rawGet(t, srv, mt.mount+"inbox")
			require.Equal(t, http.StatusMovedPermanently, status)
			require.Equal(t, "inbox/", loc)
		})
	}
}

// The origin check compares scheme, host and port, for HTTP calls and
// WebSockets alike.
func TestOriginCheck(t *testing.T) {
	newServer := func(t *testing.T, useTLS bool, allowed ...string) (srvURL string, client *http.Client) {
		store := memory.New()
		t.Cleanup(func() { store.Close() })
		chat, err := livechat.New(livechat.Config{Storage: store, Secret: testSecret, AllowedOrigins: allowed})
		require.NoError(t, err)
		t.Cleanup(func() { chat.Close() })
		mux := http.NewServeMux()
		mux.Handle("/livechat/", chat)
		srv := httptest.NewUnstartedServer(mux)
		if useTLS {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		t.Cleanup(srv.Close)
		c := srv.Client()
		c.Jar, _ = cookiejar.New(nil)
		return srv.URL, c
	}
	config := func(t *testing.T, srvURL string, c *http.Client, host, origin string, h http.Header) int {
		t.Helper()
		req, err := http.NewRequest("POST", srvURL+"/livechat/api/v1/visitor/config", strings.NewReader(`{"url":"https://shop.example/"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		for k, vs := range h {
			req.Header[k] = vs
		}
		if host != "" {
			req.Host = host
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	xfp := func(p string) http.Header { return http.Header{"X-Forwarded-Proto": {p}} }
	tests := []struct {
		name    string
		tls     bool
		allowed []string
		host    string
		origin  string
		h       http.Header
		ok      bool
	}{
		{"TLSSameOrigin", true, nil, "shop.example", "https://shop.example", nil, true},
		{"TLSDefaultPortSpelledOut", true, nil, "shop.example", "https://shop.example:443", nil, true},
		{"TLSHTTPPage", true, nil, "shop.example", "http://shop.example", nil, false},
		{"TLSOtherPort", true, nil, "shop.example", "https://shop.example:8443", nil, false},
		{"TLSHostWithPort", true, nil, "shop.example:8443", "https://shop.example:8443", nil, true},
		{"TLSHostWithPortDefaultPage", true, nil, "shop.example:8443", "https://shop.example", nil, false},
		{"PlainSameOrigin", false, nil, "shop.example", "http://shop.example", nil, true},
		{"PlainBehindTLSProxy", false, nil, "shop.example", "https://shop.example", nil, true},
		{"ProxySaysHTTPS", false, nil, "shop.example", "http://shop.example", xfp("https"), false},
		{"ProxySaysHTTPSPageHTTPS", false, nil, "shop.example", "https://shop.example", xfp("https"), true},
		{"ProxySaysHTTP", false, nil, "shop.example", "https://shop.example", xfp("http"), false},
		{"PlainOtherPort", false, nil, "shop.example", "http://shop.example:8080", nil, false},
		{"OtherHost", true, nil, "shop.example", "https://evil.example", nil, false},
		{"NullOrigin", true, nil, "shop.example", "null", nil, false},
		{"PatternWithScheme", true, []string{"https://*.shop.example"}, "chat.test", "https://www.shop.example", nil, true},
		{"PatternWithSchemeHTTPPage", false, []string{"https://*.shop.example"}, "chat.test", "http://www.shop.example", nil, false},
		{"PatternNoSchemeHTTPSPage", true, []string{"shop.example"}, "chat.test", "https://shop.example", nil, true},
		{"PatternNoSchemeHTTPPageTLSServer", true, []string{"shop.example"}, "chat.test", "http://shop.example", nil, false},
		{"PatternNoSchemeHTTPPagePlainServer", false, []string{"localhost:3000"}, "chat.test", "http://localhost:3000", nil, true},
		{"PatternNoPortOtherPort", true, []string{"shop.example"}, "chat.test", "https://shop.example:8443", nil, false},
		{"PatternPort", true, []string{"shop.example:8443"}, "chat.test", "https://shop.example:8443", nil, true},
		{"PatternPortDefaultPage", true, []string{"shop.example:8443"}, "chat.test", "https://shop.example", nil, false},
		{"PatternAnyPort", true, []string{"shop.example:*"}, "chat.test", "https://shop.example:9000", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srvURL, c := newServer(t, tt.tls, tt.allowed...)
			status := config(t, srvURL, c, tt.host, tt.origin, tt.h)
			if tt.ok {
				require.Equal(t, http.StatusOK, status)
			} else {
				require.Equal(t, http.StatusForbidden, status)
			}
		})
	}

	t.Run("WebSocket", func(t *testing.T) {
		srvURL, c := newServer(t, true)
		status := config(t, srvURL, c, "", srvURL, nil)
		require.Equal(t, http.StatusOK, status)
		u, _ := url.Parse(srvURL + "/livechat/")
		cookies := c.Jar.Cookies(u)
		require.NotEmpty(t, cookies)
		dial := func(origin string) (*websocket.Conn, *http.Response, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			h := http.Header{"Origin": {origin}}
			for _, ck := range cookies {
				h.Add("Cookie", ck.Name+"="+ck.Value)
			}
			return websocket.Dial(ctx, "wss"+strings.TrimPrefix(srvURL, "https")+"/livechat/api/v1/visitor/ws", &websocket.DialOptions{HTTPClient: c, HTTPHeader: h})
		}
		for _, origin := range []string{"http" + strings.TrimPrefix(srvURL, "https"), srvURL + "1", "https://evil.example"} {
			_, resp, err := dial(origin)
			require.Error(t, err, origin)
			require.NotNil(t, resp, origin)
			require.Equal(t, http.StatusForbidden, resp.StatusCode, origin)
		}
		conn, _, err := dial(srvURL)
		require.NoError(t, err)
		conn.CloseNow()
	})
}

// Text that shows nothing, or holds control characters other than line
// feed and tab, is bad_request for visitors and agents, over HTTP and
// WebSocket, and nothing is stored.
func TestTextRules(t *testing.T) {
	e := newEnv(t, func(c *livechat.Config) { c.VisitorBurst = 100 })
	v := e.newVisitor()
	conv := v.start()
	mustAgent(t, e, "a1")
	bad := []struct{ name, text, message string }{
		{"ZeroWidthSpace", "\u200b", "text is empty"},
		{"ZeroWidthMix", "\u200b\u200c\u200d\u2060\ufeff", "text is empty"},
		{"ZeroWidthAndSpaces", " \u200b\n\t\u00a0\u3000", "text is empty"},
		{"HangulFiller", "\u3164\u115f", "text is empty"},
		{"VariationSelector", "\ufe0f", "text is empty"},
		{"BidiMarks", "\u200e\u200f\u202a\u202c\u2066\u2069", "text is empty"},
		{"NUL", "\x00", "text must not contain control characters other than line feed and tab"},
		{"NULInside", "hello\x00world", "text must not contain control characters other than line feed and tab"},
		{"Bell", "ring\x07", "text must not contain control characters other than line feed and tab"},
		{"Escape", "\x1b[31mred", "text must not contain control characters other than line feed and tab"},
		{"CarriageReturn", "one\r\ntwo", "text must not contain control characters other than line feed and tab"},
		{"DEL", "x\x7f", "text must not contain control characters other than line feed and tab"},
		{"C1", "x\u0085y", "text must not contain control characters other than line feed and tab"},
	}
	good := []string{"a\nb", "a\tb", "héllo 👍", "👨\u200d👩\u200d👧", "\u200bhi", "שלום\u200f"}

	senders := []struct {
		name string
		send func(t *testing.T, id, text string) (code, message string)
	}{
		{"VisitorHTTP", func(t *testing.T, id, text string) (string, string) {
			status, body := v.do("POST", "api/v1/visitor/conversations/"+conv+"/messages", map[string]any{"clientMessageId": id, "text": text})
			return httpResult(status, body)
		}},
		{"AgentHTTP", func(t *testing.T, id, text string) (string, string) {
			status, body := e.agentDo("a1", "POST", "api/v1/agent/conversations/"+conv+"/messages", map[string]any{"clientMessageId": id, "text": text})
			return httpResult(status, body)
		}},
		{"VisitorWS", func(t *testing.T, id, text string) (string, string) {
			return wsResult(t, v.dial(), conv, id, text)
		}},
		{"AgentWS", func(t *testing.T, id, text string) (string, string) {
			return wsResult(t, e.dialAgent("a1"), conv, id, text)
		}},
	}
	for _, s := range senders {
		t.Run(s.name, func(t *testing.T) {
			before, err := e.store.Messages(context.Background(), conv, 0, 1000)
			require.NoError(t, err)
			for i, tt := range bad {
				code, msg := s.send(t, fmt.Sprintf("%s-bad-%d", s.name, i), tt.text)
				require.Equal(t, "bad_request", code, tt.name)
				require.Equal(t, tt.message, msg, tt.name)
			}
			after, err := e.store.Messages(context.Background(), conv, 0, 1000)
			require.NoError(t, err)
			require.Equal(t, len(before), len(after), "bad text must store nothing")
			for i, text := range good {
				code, _ := s.send(t, fmt.Sprintf("%s-good-%d", s.name, i), text)
				require.Equal(t, "", code, "%q", text)
			}
		})
	}
}

func httpResult(status int, body map[string]any) (string, string) {
	if status < 300 {
		return "", ""
	}
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	return code, msg
}

func wsResult(t *testing.T, ws *wsClient, conv, id, text string) (string, string) {
	t.Helper()
	defer ws.close()
	ws.send(map[string]any{"type": "send", "ref": id, "conversationId": conv, "clientMessageId": id, "text": text})
	for {
		f := ws.next()
		if f["ref"] != id {
			continue
		}
		if f["type"] == "ack" {
			return "", ""
		}
		code, _ := f["code"].(string)
		msg, _ := f["message"].(string)
		return code, msg
	}
}

// failingStore fails Messages once failing is set, with an error that
// names the storage's internals.
type failingStore struct {
	livechat.Storage
	failing atomic.Bool
}

func (s *failingStore) Messages(ctx context.Context, convID string, after int64, limit int) ([]*livechat.Message, error) {
	if s.failing.Load() {
		return nil, errors.New(`sqlite: messages: SQL logic error: no such table: messages_v2 (1)`)
	}
	return s.Storage.Messages(ctx, convID, after, limit)
}

// A storage failure is "internal error" on HTTP and on a frame, with the
// frame's ref; the details stay in the log.
func TestInternalErrorsSayNothing(t *testing.T) {
	store := &failingStore{Storage: memory.New()}
	t.Cleanup(func() { store.Storage.Close() })
	var logs lockedBuffer
	e := newEnv(t, func(c *livechat.Config) {
		c.Storage = store
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	v := e.newVisitor()
	conv := v.start()
	ws := v.dial()
	store.failing.Store(true)

	a := rawDo(t, v.client, "GET", e.base+"api/v1/visitor/conversations/"+conv+"/messages", "", nil)
	require.Equal(t, http.StatusInternalServerError, a.Status)
	require.JSONEq(t, `{"error":{"code":"internal","message":"internal error"}}`, a.Body)

	ws.send(map[string]any{"type": "subscribe", "ref": "s1", "conversationId": conv, "after": 0})
	f := ws.nextOf("error")
	require.Equal(t, "s1", f["ref"])
	require.Equal(t, "internal error", requireStableError(t, f, "internal"))
	require.Equal(t, 2, strings.Count(logs.String(), "no such table: messages_v2"), "the details are logged:\n%s", logs.String())
}

// lockedBuffer is a log destination safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
