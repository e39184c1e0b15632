package livechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/storage/files"
	"github.com/golivechat/livechat/storage/memory"
)

// filesEnv is a testEnv with attachments kept in a directory the test
// can look into.
func filesEnv(t *testing.T, mutate ...func(*livechat.Config)) (*testEnv, string) {
	t.Helper()
	dir := t.TempDir()
	fs, err := files.Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { fs.Close() })
	return newEnv(t, append([]func(*livechat.Config){func(c *livechat.Config) { c.Files = fs }}, mutate...)...), dir
}

func pngBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// startIn starts the visitor's conversation in a chatflow, the default
// one when flowID is empty, as the widget does.
func startIn(v *visitor, flowID string) string {
	v.e.t.Helper()
	if flowID == "" {
		flowID = "support"
		if fs, _ := v.e.store.Chatflows(context.Background()); len(fs) == 1 {
			flowID = fs[0].ID
		}
	}
	status, body := v.do("POST", "api/v1/visitor/conversations", map[string]any{"url": "https://example.com/pricing", "chatflowId": flowID})
	require.Contains(v.e.t, []int{200, 201}, status, "%v", body)
	v.conv = body["conversation"].(map[string]any)["id"].(string)
	c, err := v.e.store.Conversation(context.Background(), v.conv)
	require.NoError(v.e.t, err)
	require.Equal(v.e.t, flowID, c.ChatflowID)
	return v.conv
}

var uploads int

// uploadAs posts a file; an empty clientID is a new one: as the visitor when v is set, else as agentID.
func (e *testEnv) uploadAs(v *visitor, agentID, conv, name, contentType, clientID string, data []byte) (*http.Response, map[string]any) {
	e.t.Helper()
	if clientID == "" {
		uploads++
		clientID = "u" + strconv.Itoa(uploads)
	}
	who, client, h := "visitor", http.DefaultClient, http.Header{}
	if v != nil {
		client = v.client
	} else {
		who = "agent"
		h.Set("X-Test-Agent", agentID)
	}
	u := e.base + "api/v1/" + who + "/conversations/" + conv + "/files?" + url.Values{"name": {name}, "clientMessageId": {clientID}}.Encode()
	req, err := http.NewRequest("POST", u, bytes.NewReader(data))
	require.NoError(e.t, err)
	req.Header = h
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp, out
}

// fetch gets a file's bytes: as the visitor when v is set, else as agentID.
func (e *testEnv) fetch(v *visitor, agentID, id string) (*http.Response, []byte) {
	e.t.Helper()
	client, path := http.DefaultClient, "api/v1/agent/files/"+id
	req, err := http.NewRequest("GET", e.base+path, nil)
	require.NoError(e.t, err)
	if v != nil {
		client = v.client
		req.URL.Path = strings.Replace(req.URL.Path, "/agent/", "/visitor/", 1)
	} else if agentID != "" {
		req.Header.Set("X-Test-Agent", agentID)
	}
	resp, err := client.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp, b
}

func attachmentOf(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	m, ok := body["message"].(map[string]any)
	require.True(t, ok, "%v", body)
	a, ok := m["attachment"].(map[string]any)
	require.True(t, ok, "%v", m)
	return a
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A visitor's image reaches the agent as a message with its attachment,
// and both fetch it as an inline image; an agent's PDF is a download.
func TestAttachmentBothSides(t *testing.T) {
	e, dir := filesEnv(t)
	v := e.newVisitor()
	conv := startIn(v, "")
	status, body := v.do("POST", "api/v1/visitor/chat", map[string]any{"url": "https://example.com/pricing"})
	require.Equal(t, 200, status)
	require.Equal(t, map[string]any{"maxSize": float64(10 << 20), "types": []any{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}},
		body["chat"].(map[string]any)["files"], "the widget learns what it may attach")
	agent := e.dialAgent("a1")

	img := pngBytes(t)
	resp, body := e.uploadAs(v, "", conv, `C:\Users\zoë\Screen "shot".png`, "image/png", "f1", img)
	require.Equal(t, 201, resp.StatusCode, "%v", body)
	att := attachmentOf(t, body)
	require.Equal(t, "Screen shot.png", att["name"], "no directory, no quotes")
	require.Equal(t, "image/png", att["contentType"])
	require.EqualValues(t, len(img), att["size"])
	id := att["id"].(string)
	require.Equal(t, []string{id}, dirEntries(t, dir))

	ev := agent.nextOf("message")
	require.Equal(t, att, ev["message"].(map[string]any)["attachment"], "the agent's event carries the attachment")

	// A resend of the client message id stores nothing more.
	resp, again := e.uploadAs(v, "", conv, "other.png", "image/png", "f1", img)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, id, attachmentOf(t, again)["id"])
	require.Len(t, dirEntries(t, dir), 1)

	for _, who := range []struct {
		v     *visitor
		agent string
	}{{v, ""}, {nil, "a2"}} {
		resp, got := e.fetch(who.v, who.agent, id)
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, img, got)
		require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
		require.Equal(t, `inline; filename="Screen shot.png"`, resp.Header.Get("Content-Disposition"))
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		require.Equal(t, "default-src 'none'; sandbox", resp.Header.Get("Content-Security-Policy"))
	}

	pdf := []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
	resp, body = e.uploadAs(nil, "a1", conv, "Angebot für Zoë.pdf", "", "", pdf)
	require.Equal(t, 201, resp.StatusCode, "%v", body)
	require.Equal(t, "Agent a1", body["message"].(map[string]any)["authorName"])
	pid := attachmentOf(t, body)["id"].(string)
	r, got := e.fetch(v, "", pid)
	require.Equal(t, 200, r.StatusCode)
	require.Equal(t, pdf, got)
	require.Equal(t, "application/pdf", r.Header.Get("Content-Type"))
	require.Equal(t, `attachment; filename*=utf-8''Angebot%20f%C3%BCr%20Zo%C3%AB.pdf`, r.Header.Get("Content-Disposition"))
	require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))

	// Replays carry the attachment too.
	status, body = v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, 200, status)
	msgs := body["messages"].([]any)
	require.Equal(t, pid, msgs[len(msgs)-1].(map[string]any)["attachment"].(map[string]any)["id"])
	status, body = e.agentDo("a1", "GET", "api/v1/agent/conversations/"+conv, nil)
	require.Equal(t, 200, status)
	require.NotNil(t, body["files"], "the inbox learns what it may attach")
}

// Only the conversation's visitor and agents get a file; anyone else
// gets the answer of an unknown id.
func TestAttachmentOnlyForParticipants(t *testing.T) {
	e, _ := filesEnv(t)
	v := e.newVisitor()
	conv := startIn(v, "")
	resp, body := e.uploadAs(v, "", conv, "cat.png", "image/png", "f1", pngBytes(t))
	require.Equal(t, 201, resp.StatusCode, "%v", body)
	id := attachmentOf(t, body)["id"].(string)

	other := e.newVisitor()
	startIn(other, "")
	r, got := e.fetch(other, "", id)
	require.Equal(t, 404, r.StatusCode)
	require.NotContains(t, string(got), "PNG")
	r, _ = e.fetch(nil, "", id)
	require.Equal(t, 401, r.StatusCode, "no agent sign-in")
	r, _ = e.fetch(v, "", "no-such-file")
	require.Equal(t, 404, r.StatusCode)
	r, _ = e.fetch(v, "", "..%2f..%2fetc%2fpasswd")
	require.Equal(t, 404, r.StatusCode)

	// Nor can another visitor upload into the conversation.
	resp, body = e.uploadAs(other, "", conv, "cat.png", "image/png", "f2", pngBytes(t))
	require.Equal(t, 404, resp.StatusCode, "%v", body)
}

// SVG, HTML and files whose name or declared type lie about their
// content are refused, and nothing is stored.
func TestAttachmentRefusesMarkupAndLies(t *testing.T) {
	e, dir := filesEnv(t, func(c *livechat.Config) {
		f := flow.New("Support")
		f.ID = "support"
		f.Options.Files.Types = []string{"image/png", "text/plain", "application/pdf"}
		c.Flows = []*flow.Chatflow{f}
	})
	v := e.newVisitor()
	conv := startIn(v, "")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`)
	html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	tests := []struct {
		name, fileName, contentType string
		data                        []byte
		message                     string
	}{
		{"SVG", "logo.svg", "image/svg+xml", svg, "the file's content is text/html, not image/svg+xml"},
		{"SVGWithoutType", "logo.svg", "", svg, "the file's content is text/html, not what its name says (image/svg+xml)"},
		{"SVGAsText", "notes.txt", "text/plain", svg, "the file's content is text/html, not text/plain"},
		{"SVGUnnamed", "file", "", svg, "text/html files cannot be attached here; allowed: image/png, text/plain, application/pdf"},
		{"HTMLNamedPNG", "cat.png", "image/png", html, "the file's content is text/html, not image/png"},
		{"HTMLNamedPNGWithoutType", "cat.png", "application/octet-stream", html, "the file's content is text/html, not what its name says (image/png)"},
		{"TextWithScriptInside", "notes.txt", "", []byte("hello\n<script>alert(1)</script>"), "the file's content is text/html, not what its name says (text/plain)"},
		{"PNGNamedPDF", "invoice.pdf", "", pngBytes(t), "the file's content is image/png, not what its name says (application/pdf)"},
		{"PNGClaimingPDF", "invoice", "application/pdf", pngBytes(t), "the file's content is image/png, not application/pdf"},
		{"GIFNotAllowed", "a.gif", "image/gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image/gif files cannot be attached here; allowed: image/png, text/plain, application/pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.uploadAs(v, "", conv, tt.fileName, tt.contentType, "", tt.data)
			require.Equal(t, 415, resp.StatusCode, "%v", body)
			require.Equal(t, "unsupported_media_type", errCode(body))
			require.Equal(t, tt.message, body["error"].(map[string]any)["message"])
		})
	}
	require.Empty(t, dirEntries(t, dir))
	status, body := v.do("GET", "api/v1/visitor/conversations/"+conv+"/messages", nil)
	require.Equal(t, 200, status)
	require.Empty(t, body["messages"])

	// Plain text that is only text is a download, never a page.
	resp, body := e.uploadAs(v, "", conv, "notes.txt", "text/plain; charset=utf-8", "", []byte("a < b & c > d"))
	require.Equal(t, 201, resp.StatusCode, "%v", body)
	r, _ := e.fetch(nil, "a1", attachmentOf(t, body)["id"].(string))
	require.Equal(t, "text/plain; charset=utf-8", r.Header.Get("Content-Type"))
	require.Equal(t, "attachment; filename=notes.txt", r.Header.Get("Content-Disposition"))
	require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
}

// A file over the chatflow's limit is refused with 413 while it is read,
// and nothing of it stays.
func TestAttachmentTooLarge(t *testing.T) {
	e, dir := filesEnv(t, func(c *livechat.Config) {
		f := flow.New("Support")
		f.ID = "support"
		f.Options.Files.MaxSize = 1000
		c.Flows = []*flow.Chatflow{f}
	})
	v := e.newVisitor()
	conv := startIn(v, "")
	big := append(pngBytes(t), bytes.Repeat([]byte{0}, 5000)...)
	resp, body := e.uploadAs(v, "", conv, "big.png", "image/png", "", big)
	require.Equal(t, 413, resp.StatusCode, "%v", body)
	require.Equal(t, "the file is larger than 1000 bytes", body["error"].(map[string]any)["message"])
	resp, body = e.uploadAs(v, "", conv, "big.png", "image/png", "", append(pngBytes(t), bytes.Repeat([]byte{0}, 1000-len(pngBytes(t)))...))
	require.Equal(t, 201, resp.StatusCode, "exactly the limit passes: %v", body)
	require.Len(t, dirEntries(t, dir), 1, "no temporary file left of the refused one")

	// Beyond what any chat allows, the declared length is refused before
	// anything is read.
	req, err := http.NewRequest("POST", e.base+"api/v1/visitor/conversations/"+conv+"/files?name=huge.png", io.LimitReader(zeros{}, flow.MaxFileSize+1))
	require.NoError(t, err)
	req.ContentLength = flow.MaxFileSize + 1
	r, err := v.client.Do(req)
	require.NoError(t, err)
	r.Body.Close()
	require.Equal(t, 413, r.StatusCode)
	require.Len(t, dirEntries(t, dir), 1)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Erasing a visitor erases their files: records and bytes, whoever
// uploaded them.
func TestAttachmentErasedWithVisitor(t *testing.T) {
	ctx := context.Background()
	e, dir := filesEnv(t)
	v := e.newVisitor()
	conv := startIn(v, "")
	resp, body := e.uploadAs(v, "", conv, "cat.png", "image/png", "", pngBytes(t))
	require.Equal(t, 201, resp.StatusCode, "%v", body)
	id := attachmentOf(t, body)["id"].(string)
	resp, body = e.uploadAs(nil, "a1", conv, "reply.png", "", "", pngBytes(t))
	require.Equal(t, 201, resp.StatusCode, "%v", body)
	keep := e.newVisitor()
	resp, _ = e.uploadAs(keep, "", startIn(keep, ""), "mine.png", "", "", pngBytes(t))
	require.Equal(t, 201, resp.StatusCode)
	require.Len(t, dirEntries(t, dir), 3)

	c, err := e.store.Conversation(ctx, conv)
	require.NoError(t, err)
	status, _ := e.agentDo("dpo1", "DELETE", "api/v1/admin/visitors/"+c.VisitorID, nil)
	require.Equal(t, 204, status)
	require.Len(t, dirEntries(t, dir), 1, "the other visitor's file stays")
	_, err = e.store.(livechat.FileIndex).File(ctx, id)
	require.ErrorIs(t, err, livechat.ErrNotFound)
	r, _ := e.fetch(nil, "a1", id)
	require.Equal(t, 404, r.StatusCode)
}

// Without a FileStore, or in a chatflow that turns files off, nothing can
// be attached and the widget is told nothing.
func TestAttachmentsOff(t *testing.T) {
	for name, mutate := range map[string]func(*livechat.Config){
		"NoFileStore": func(*livechat.Config) {},
		"ChatflowOff": func(c *livechat.Config) {
			dir := t.TempDir()
			fs, err := files.Open(dir)
			require.NoError(t, err)
			t.Cleanup(func() { fs.Close() })
			c.Files = fs
			f := flow.New("Support")
			f.ID = "support"
			f.Options.Files.Enabled = false
			c.Flows = []*flow.Chatflow{f}
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mutate)
			v := e.newVisitor()
			conv := startIn(v, "")
			status, body := v.do("POST", "api/v1/visitor/chat", map[string]any{"url": "https://example.com/pricing"})
			require.Equal(t, 200, status)
			require.NotContains(t, body["chat"], "files")
			resp, body := e.uploadAs(v, "", conv, "cat.png", "image/png", "", pngBytes(t))
			require.Equal(t, 403, resp.StatusCode, "%v", body)
			require.Equal(t, "files cannot be attached in this chat", body["error"].(map[string]any)["message"])
			resp, _ = e.uploadAs(nil, "a1", conv, "cat.png", "image/png", "", pngBytes(t))
			require.Equal(t, 403, resp.StatusCode)
		})
	}
}

// Uploads count against the visitor's message rate.
func TestAttachmentRateLimited(t *testing.T) {
	e, dir := filesEnv(t, func(c *livechat.Config) { c.VisitorRate, c.VisitorBurst = 0.001, 1 })
	v := e.newVisitor()
	conv := startIn(v, "")
	resp, _ := e.uploadAs(v, "", conv, "a.png", "", "f1", pngBytes(t))
	require.Equal(t, 201, resp.StatusCode)
	resp, body := e.uploadAs(v, "", conv, "b.png", "", "f2", pngBytes(t))
	require.Equal(t, 429, resp.StatusCode)
	require.Equal(t, "rate_limited", errCode(body))
	require.Len(t, dirEntries(t, dir), 1)
}

// A FileStore needs a Storage that keeps file records.
func TestFilesNeedAFileIndex(t *testing.T) {
	fs, err := files.Open(t.TempDir())
	require.NoError(t, err)
	defer fs.Close()
	store := memory.New()
	defer store.Close()
	_, err = livechat.New(livechat.Config{Storage: struct{ livechat.Storage }{store}, Secret: testSecret, Files: fs})
	require.ErrorContains(t, err, "Files needs a Storage that is a FileIndex")
}
