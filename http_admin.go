package livechat

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"github.com/golivechat/livechat/consent"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/invalid"
)

// maxFlowBody is the largest chatflow document accepted.
const maxFlowBody = 256 << 10

// adminAuth admits agents the host lets manage chatflows.
func (h *adminAPI) adminAuth(next http.HandlerFunc) http.HandlerFunc {
	return h.agentAuth(func(w http.ResponseWriter, r *http.Request) {
		if !agentFrom(r.Context()).Can(PermissionManageChatflows) {
			h.fail(w, r, publicf(ErrForbidden, `managing chatflows needs the "manage_chatflows" permission`))
			return
		}
		next(w, r)
	})
}

// ifMatch reads the version in an If-Match header; 0 when absent.
func ifMatch(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
	if err != nil || n <= 0 {
		return 0, publicf(ErrInvalid, "If-Match must be a chatflow version such as \"3\"")
	}
	return n, nil
}

// readFlow parses a chatflow document from the request body.
func readFlow(w http.ResponseWriter, r *http.Request) (*flow.Chatflow, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, errUnsupportedMedia
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFlowBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, publicf(ErrTooLarge, "chatflow is larger than %d bytes", maxFlowBody)
		}
		return nil, fmt.Errorf("%w: reading body: %v", ErrInvalid, err)
	}
	f, err := flow.Parse(body)
	if err != nil {
		return nil, asInvalidFlow(err)
	}
	return f, nil
}

func writeFlow(w http.ResponseWriter, status int, sf StoredChatflow) {
	w.Header().Set("ETag", `"`+strconv.FormatInt(sf.Version, 10)+`"`)
	writeJSON(w, status, sf)
}

// listedChatflow is a chatflow in the list answer: with Unedited true
// while it is still as the server stored it from its configuration (see
// unedited), which the editor reads as "set up the chat first".
type listedChatflow struct {
	StoredChatflow
	Unedited bool `json:"unedited,omitempty"`
}

func (h *adminAPI) adminList(w http.ResponseWriter, r *http.Request) {
	flows, err := h.editor.list(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]listedChatflow, len(flows))
	for i, sf := range flows {
		out[i] = listedChatflow{StoredChatflow: sf, Unedited: h.unedited(sf)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"chatflows": out})
}

// unedited reports whether a stored chatflow is one New stored from
// Config.Flows, or the default chatflow it creates, never changed since:
// version 1 (every save and every publish adds one). A chatflow created
// through the admin API is someone's edit, whatever its version.
func (h *adminAPI) unedited(sf StoredChatflow) bool {
	if sf.Version != 1 {
		return false
	}
	id := sf.Chatflow.ID
	return id == DefaultChatflowID || slices.ContainsFunc(h.cfg.Flows, func(f *flow.Chatflow) bool { return f != nil && f.ID == id })
}

func (h *adminAPI) adminGet(w http.ResponseWriter, r *http.Request) {
	sf, err := h.editor.get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeFlow(w, http.StatusOK, sf)
}

func (h *adminAPI) adminCreate(w http.ResponseWriter, r *http.Request) {
	f, err := readFlow(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sf, err := h.editor.create(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeFlow(w, http.StatusCreated, sf)
}

func (h *adminAPI) adminUpdate(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err == nil && version == 0 {
		err = publicf(ErrInvalid, "If-Match with the chatflow's version is required")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := readFlow(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if f.ID != "" && f.ID != id {
		h.fail(w, r, &invalidFlow{msg: "id: does not match the URL", fields: invalid.Fields{{Path: "id", Message: "does not match the URL"}}})
		return
	}
	f.ID = id
	sf, err := h.editor.update(r.Context(), f, version)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeFlow(w, http.StatusOK, sf)
}

func (h *adminAPI) adminDelete(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.editor.delete(r.Context(), r.PathValue("id"), version); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *adminAPI) adminPublish(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		version, err := ifMatch(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		sf, err := h.editor.publish(r.Context(), r.PathValue("id"), on, version)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeFlow(w, http.StatusOK, sf)
	}
}

var previewPage = template.Must(template.New("preview").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: {{.Name}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1.5rem;color:#1d2330}
nav a{margin-right:1rem}iframe{border:1px solid #c9cfdb;border-radius:12px;width:{{.Width}}px;height:{{.Height}}px;max-width:100%}</style>
</head><body>
{{if not .Embed}}<h1>Preview: {{.Name}}</h1>
<p>{{if .Enabled}}Published.{{else}}Not published: visitors do not see it yet.{{end}} Targeting is ignored here.</p>
<nav aria-label="Device"><a href="?"{{if not .Frame}} aria-current="page"{{end}}>Desktop</a><a href="?view=tablet"{{if eq .Frame "tablet"}} aria-current="page"{{end}}>Tablet (768 × 1024)</a><a href="?view=mobile"{{if eq .Frame "mobile"}} aria-current="page"{{end}}>Phone (375 × 700)</a></nav>
{{if .Frame}}<p><iframe title="{{.FrameTitle}}" src="?embed={{.Frame}}"></iframe></p>{{end}}{{end}}
{{if not .Frame}}<script src="{{.Mount}}widget.js" data-preview="{{.ID}}"{{if .Device}} data-device="{{.Device}}"{{end}} async></script>{{end}}
</body></html>`))

// previewFrames are the devices a preview frames, with the size of the
// frame: its widget behaves as on that device whatever the agent's screen.
var previewFrames = map[string][2]int{"tablet": {768, 1024}, "mobile": {375, 700}}

// adminPreview shows a chatflow as it would appear, published or not,
// whatever its targeting. ?view=tablet and ?view=mobile frame a page whose
// widget behaves as on that device (?embed=tablet, ?embed=mobile; also
// ?embed=desktop), whatever the agent's screen. The editor's live preview
// frames these pages and posts them the unsaved chatflow (PROTOCOL.md).
func (h *adminAPI) adminPreview(w http.ResponseWriter, r *http.Request) {
	sf, err := h.editor.get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	embed, view := q.Get("embed"), q.Get("view")
	device := ""
	if _, ok := previewFrames[embed]; ok || embed == "desktop" {
		device = embed
	}
	size, framed := previewFrames[view]
	if !framed || embed != "" {
		view = ""
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'self'")
	previewPage.Execute(w, map[string]any{
		"Name":       sf.Chatflow.Name,
		"ID":         sf.Chatflow.ID,
		"Enabled":    sf.Chatflow.Enabled,
		"Mount":      mountPath(r),
		"Embed":      embed != "",
		"Device":     device,
		"Frame":      view,
		"FrameTitle": map[string]string{"tablet": "Tablet preview", "mobile": "Phone preview"}[view],
		"Width":      size[0],
		"Height":     size[1],
	})
}

// adminTexts answers the visitor-facing texts of one language as a
// chatflow left empty shows them: the defaults with Config.Texts on top,
// placeholders unfilled, and the consent-to-communicate label with the
// host's name filled in. The editor's "reset to default" shows them.
func (h *adminAPI) adminTexts(w http.ResponseWriter, r *http.Request) {
	lang := language.English
	if q := r.URL.Query(); q.Has("language") {
		tag, err := language.Parse(q.Get("language"))
		if err != nil {
			h.fail(w, r, publicf(ErrInvalid, `language must be a BCP 47 tag such as "sv"`))
			return
		}
		lang = consent.Match(tag.String(), "")
	}
	c := h.cfg.Texts
	writeJSON(w, http.StatusOK, map[string]any{
		"language":           lang.String(),
		"texts":              c.All(lang),
		"communicationLabel": c.CommunicationLabel(h.cfg.Company, h.cfg.Account, hostName(r.Host), lang),
	})
}

// dataAuth admits agents the host lets handle data requests.
func (h *adminAPI) dataAuth(next http.HandlerFunc) http.HandlerFunc {
	return h.agentAuth(func(w http.ResponseWriter, r *http.Request) {
		if !agentFrom(r.Context()).Can(PermissionManageData) {
			h.fail(w, r, publicf(ErrForbidden, `data requests need the "manage_data" permission`))
			return
		}
		next(w, r)
	})
}

func (h *adminAPI) adminExport(w http.ResponseWriter, r *http.Request) {
	exp, err := h.visitors.export(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="visitor-export.json"`)
	writeJSON(w, http.StatusOK, exp)
}

func (h *adminAPI) adminErase(w http.ResponseWriter, r *http.Request) {
	if err := h.visitors.erase(r.Context(), r.PathValue("id"), r.URL.Query().Get("contact") == "true"); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
