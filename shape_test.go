package livechat_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// The files a visitor's message passes through, from the frame arriving
// to the frame written to the agent's socket, in order (doc.go, "How a
// message travels"). Each step calls the next; none returns to a file
// it left.
var messagePath = []string{"http_ws.go", "engine.go", "transport/broker.go", "hub.go", "live.go", "transport/conn.go"}

// TestMessagePath follows one visitor message over WebSocket and records
// the call stack at the moment the hub hands the agent's frame to the
// agent's connection.
func TestMessagePath(t *testing.T) {
	conv, vws, agent := newEnv(t).liveChat()

	var mu sync.Mutex
	var stack []string
	livechat.SetDeliverHook(func(toAgent bool, frame []byte) {
		if !toAgent || !strings.Contains(string(frame), `"text":"follow me"`) {
			return
		}
		pcs := make([]uintptr, 64)
		frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
		var files []string
		for {
			f, more := frames.Next()
			files = append(files, f.File)
			if !more {
				break
			}
		}
		mu.Lock()
		if stack == nil {
			stack = files
		}
		mu.Unlock()
	})
	t.Cleanup(func() { livechat.SetDeliverHook(nil) })
	vws.send(map[string]any{"type": "send", "conversationId": conv, "clientMessageId": "m1", "text": "follow me"})
	agent.nextOf("message")

	mu.Lock()
	defer mu.Unlock()
	require.NotNil(t, stack)
	// The module's own files, outermost call first, each run of one file
	// counted once.
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Dir(self) + "/"
	var path []string
	for i := len(stack) - 1; i >= 0; i-- {
		rel, ok := strings.CutPrefix(stack[i], root)
		if !ok || strings.HasSuffix(rel, "_test.go") {
			continue
		}
		if len(path) == 0 || path[len(path)-1] != rel {
			path = append(path, rel)
		}
	}
	// Below the frame are the connection's own calls (ServeHTTP, the
	// handshake, transport.Conn's read loop, which reads the frame and
	// hands it over); the message starts there. deliver's conn.Send, in
	// transport/conn.go, queues the agent's frame for its socket.
	read := slices.Index(path, "transport/conn.go")
	require.GreaterOrEqual(t, read, 0, "the frame is read by transport.Conn: %v", path)
	path = append(path[read+1:], "transport/conn.go")
	require.Equal(t, messagePath, path)
	require.LessOrEqual(t, len(path), 6)
}

// The root package's types each own one job: none has more than 30
// methods, and the engine's files (engine*.go) know nothing of HTTP,
// WebSockets or cookies.
func TestPackageShape(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	methods := map[string]int{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly|parser.SkipObjectResolution)
		require.NoError(t, err)
		if strings.HasPrefix(name, "engine") {
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				require.False(t, p == "net/http" || strings.HasPrefix(p, "net/http/") || strings.Contains(p, "websocket"),
					"%s imports %s: the engine knows no transport", name, p)
			}
		}
		f, err = parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil {
				continue
			}
			typ := fd.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				methods[id.Name]++
			}
		}
	}
	for typ, n := range methods {
		require.LessOrEqual(t, n, 30, "type %s has %d methods", typ, n)
	}
	// The types the layers are made of.
	for _, typ := range []string{"Handler", "engine", "router", "flowEditor", "flowCache", "chooser", "visitors", "hub", "client", "server"} {
		require.Contains(t, methods, typ)
	}
	require.False(t, slices.Contains(files, "handler.go"))

	// Every change goes through the engine: the HTTP layer, the live
	// connections and the hub read the Storage (to build an answer or
	// replay) and never write to it.
	writes := regexp.MustCompile(`\.store\.(Create|Update|Put|Set|Append|Add|Erase|Delete|Touch|Assign)[A-Za-z]*\(`)
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || !(strings.HasPrefix(name, "http") || name == "live.go" || name == "hub.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		require.Empty(t, writes.FindAllString(string(src), -1), "%s writes to the Storage", name)
	}
}
