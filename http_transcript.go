package livechat

import (
	"net/http"
)

type transcriptRequest struct {
	Email string `json:"email"`
}

// visitorTranscript mails the visitor their conversation's transcript
// (see transcripts.email).
func (h *visitorAPI) visitorTranscript(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.visitorConv, func(c *Conversation, req *transcriptRequest) (int, any, error) {
		s, err := h.transcripts.email(r.Context(), c, req.Email, r.Header.Get("Accept-Language"), h.limits.ipKey(r))
		if err != nil {
			return 0, nil, err
		}
		status := http.StatusOK
		if s.Status != "sent" {
			status = http.StatusAccepted
		}
		return status, map[string]any{"transcript": s}, nil
	})
}

// transcriptCSP lets a downloaded HTML transcript, opened from disk or
// the browser's downloads, load nothing and run nothing: its own styles
// only.
const transcriptCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// agentTranscript downloads a conversation's transcript as agents see it,
// as text (?format=text, the default) or HTML (?format=html).
func (h *agentAPI) agentTranscript(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "text"
	}
	if format != "text" && format != "html" {
		h.fail(w, r, publicf(ErrInvalid, `format must be "text" or "html"`))
		return
	}
	c, err := h.agentConversation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tr, err := h.transcripts.forAgents(r.Context(), c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, typ, ext := tr.text(), "text/plain; charset=utf-8", "txt"
	if format == "html" {
		if body, err = tr.html(); err != nil {
			h.fail(w, r, err)
			return
		}
		typ, ext = "text/html; charset=utf-8", "html"
	}
	hd := w.Header()
	hd.Set("Content-Type", typ)
	// The id is a UUID the Storage gave; quoting keeps any other id a
	// plain file name.
	hd.Set("Content-Disposition", `attachment; filename="transcript-`+safeFileName(c.ID)+`.`+ext+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", transcriptCSP)
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(body))
}

// safeFileName keeps letters, digits, '-' and '_' of s.
func safeFileName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 64; i++ {
		if c := s[i]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b = append(b, c)
		}
	}
	return string(b)
}
