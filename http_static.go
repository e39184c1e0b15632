package livechat

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/golivechat/livechat/internal/minify"
	"github.com/golivechat/livechat/web"
)

// staticFile is an embedded web file, compressed once at startup.
type staticFile struct {
	contentType string
	plain       []byte
	gzipped     []byte
	etag        string
}

type staticFiles struct {
	files map[string]*staticFile
}

// staticNames are the widget's files; every file of the inbox directory
// (the inbox and the chatflow editor) is served too.
var staticNames = []string{"widget.js", "widget.css", "chat.js", "chat.css"}

// minified are the widget's files, served without their comments and
// indentation: every page view loads widget.js and widget.css, so each
// byte counts.
var minified = map[string]func([]byte) ([]byte, error){
	"widget.js": minify.JS, "chat.js": minify.JS, "widget.css": minify.CSS, "chat.css": minify.CSS,
}

// loadStatic prepares the embedded files once per process: they never
// change, and every Handler serves the same bytes.
var loadStatic = sync.OnceValues(prepareStatic)

func prepareStatic() (*staticFiles, error) {
	s := &staticFiles{files: make(map[string]*staticFile)}
	inbox, err := fs.Glob(web.Files, "inbox/*")
	if err != nil {
		return nil, err
	}
	for _, name := range append(slices.Clone(staticNames), inbox...) {
		data, err := fs.ReadFile(web.Files, name)
		if err != nil {
			return nil, err
		}
		if m := minified[name]; m != nil {
			if data, err = m(data); err != nil {
				return nil, fmt.Errorf("livechat: %s: %w", name, err)
			}
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(data)
		zw.Close()
		sum := sha256.Sum256(data)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		s.files[name] = &staticFile{
			contentType: ct,
			plain:       data,
			gzipped:     buf.Bytes(),
			etag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		}
	}
	return s, nil
}

// serveStatic serves an embedded file with an ETag, gzip when the client
// takes it, and a short cache lifetime: the widget's URL never changes, so
// browsers revalidate it every few minutes and get 304 while it is the same.
func (h *server) serveStatic(name string) http.HandlerFunc {
	f := h.static.files[name]
	return func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Type", f.contentType)
		hd.Set("ETag", f.etag)
		hd.Set("Vary", "Accept-Encoding")
		hd.Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(name, "inbox/") {
			hd.Set("Cache-Control", "no-cache")
			hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; connect-src 'self' ws: wss:; frame-ancestors 'none'")
			hd.Set("X-Frame-Options", "DENY")
		} else {
			hd.Set("Cache-Control", "public, max-age=300")
		}
		if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := f.plain
		if acceptsGzip(r) {
			hd.Set("Content-Encoding", "gzip")
			body = f.gzipped
		}
		hd.Set("Content-Length", itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
	}
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == etag || t == "W/"+etag || t == "*" {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q := strings.TrimSpace(params)
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
