package livechat

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/golivechat/livechat/flow"
)

// The attachment endpoints (PROTOCOL.md, "Attachments"): an upload is
// the file's bytes as the request body, its name and client message id
// in the query; the answer is the message that carries it, as for a
// text message. Only the conversation's participants fetch a file back.

func (h *visitorAPI) visitorUpload(w http.ResponseWriter, r *http.Request) {
	vid := visitorIDFrom(r.Context())
	if err := h.limits.message(vid, h.limits.ipKey(r)); err != nil {
		if m := h.eng.resentMessage(r.Context(), r.PathValue("id"), SenderVisitor, vid, r.URL.Query().Get("clientMessageId")); m != nil {
			writeJSON(w, http.StatusOK, map[string]any{"message": m})
			return
		}
		h.fail(w, r, err)
		return
	}
	h.upload(w, r, SenderVisitor, vid)
}

func (h *agentAPI) agentUpload(w http.ResponseWriter, r *http.Request) {
	h.upload(w, r, SenderAgent, agentFrom(r.Context()).ID)
}

// upload reads, sniffs and hands over an uploaded file.
func (h *server) upload(w http.ResponseWriter, r *http.Request, sender SenderKind, authorID string) {
	if h.files == nil {
		h.fail(w, r, errFilesOff)
		return
	}
	if r.ContentLength > flow.MaxFileSize {
		h.fail(w, r, publicf(ErrTooLarge, "the file is larger than %d bytes", flow.MaxFileSize))
		return
	}
	q := r.URL.Query()
	body := bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, flow.MaxFileSize), 512)
	head, err := body.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		h.fail(w, r, uploadError(err))
		return
	}
	ct, err := sniffUpload(head, r.Header.Get("Content-Type"), q.Get("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, created, err := h.files.attach(r.Context(), upload{
		conversationID: r.PathValue("id"), sender: sender, authorID: authorID,
		clientMsgID: q.Get("clientMessageId"), name: q.Get("name"), contentType: ct, body: body,
	})
	if err != nil {
		h.fail(w, r, uploadError(err))
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"message": m})
}

// uploadError is err, or too_large when the body passed the largest
// size any chat allows.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return publicf(ErrTooLarge, "the file is larger than %d bytes", flow.MaxFileSize)
	}
	return err
}

// extTypes are the content types that file name extensions promise.
var extTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".pdf": "application/pdf", ".txt": "text/plain", ".zip": "application/zip",
	".svg": "image/svg+xml", ".svgz": "image/svg+xml", ".html": "text/html", ".htm": "text/html", ".xhtml": "application/xhtml+xml",
	".xml": "text/xml", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
}

// markup is what makes text a document a browser would render or run;
// text/plain with any of it in its first bytes counts as HTML.
var markup = []string{"<!doctype", "<html", "<svg", "<script", "<?xml", "<body", "<head", "<iframe", "<object", "<embed", "<xsl", "<math", "<meta"}

// sniffUpload returns the content type of a file from its first bytes
// (http.DetectContentType, and text holding markup as HTML), refusing a
// file whose declared Content-Type or name extension promises another
// type: a PNG must look like one, and HTML named cat.png is caught.
func sniffUpload(head []byte, declared, name string) (string, error) {
	ct, _, _ := strings.Cut(http.DetectContentType(head), ";")
	if ct == "text/plain" {
		lower := bytes.ToLower(head)
		for _, m := range markup {
			if bytes.Contains(lower, []byte(m)) {
				ct = "text/html"
				break
			}
		}
	}
	if declared != "" {
		mt, _, err := mime.ParseMediaType(declared)
		if err != nil {
			return "", publicf(ErrInvalid, "Content-Type is not a media type")
		}
		if mt != "application/octet-stream" && mt != ct {
			return "", publicf(errUnsupportedMedia, "the file's content is %s, not %s", ct, mt)
		}
	}
	if want, ok := extTypes[strings.ToLower(path.Ext(name))]; ok && want != ct {
		return "", publicf(errUnsupportedMedia, "the file's content is %s, not what its name says (%s)", ct, want)
	}
	return ct, nil
}

func (h *visitorAPI) visitorFile(w http.ResponseWriter, r *http.Request) {
	h.serveFile(w, r, visitorIDFrom(r.Context()), false)
}

func (h *agentAPI) agentFile(w http.ResponseWriter, r *http.Request) {
	h.serveFile(w, r, "", true)
}

// fileCSP lets a file's answer load, run and frame nothing, should a
// browser render it as a page.
const fileCSP = "default-src 'none'; sandbox"

// serveFile writes a file's bytes for a participant of its conversation.
// Only the raster images of IsPreviewable are inline; everything else is
// a download, and no answer is ever sniffed into HTML or SVG.
func (h *server) serveFile(w http.ResponseWriter, r *http.Request, visitorID string, agent bool) {
	f, rc, err := h.files.open(r.Context(), r.PathValue("id"), visitorID, agent)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer rc.Close()
	disposition, ct := "attachment", "application/octet-stream"
	switch {
	case IsPreviewable(f.ContentType):
		disposition, ct = "inline", f.ContentType
	case f.ContentType == "text/plain":
		ct = "text/plain; charset=utf-8"
	case f.ContentType == "application/pdf" || f.ContentType == "application/zip":
		ct = f.ContentType
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", fileCSP)
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		if _, err := io.Copy(w, rc); err != nil {
			h.log.Debug("livechat: send a file", "file", f.ID, "err", err)
		}
	}
}
