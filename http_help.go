package livechat

import (
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/golivechat/livechat/knowledge"
)

// maxHelpQuery bounds a knowledge-base search, in bytes.
const maxHelpQuery = 200

// helpBase returns the knowledge base, or ErrNotFound when the host has
// none.
func (h *helpAPI) helpBase() (knowledge.Base, error) {
	if h.cfg.Knowledge == nil {
		return nil, publicf(ErrNotFound, "no knowledge base")
	}
	return h.cfg.Knowledge, nil
}

// visitorHelpSearch searches the help articles, in the visitor's language
// first.
func (h *helpAPI) visitorHelpSearch(w http.ResponseWriter, r *http.Request) {
	base, err := h.helpBase()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	if len(q) > maxHelpQuery || !utf8.ValidString(q) {
		h.fail(w, r, publicf(ErrInvalid, "q must be at most %d bytes of UTF-8", maxHelpQuery))
		return
	}
	limit, err := queryInt(r, "limit", 10, 1, 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lang := r.URL.Query().Get("language")
	if lang == "" {
		if v, err := h.store.Visitor(r.Context(), visitorIDFrom(r.Context())); err == nil {
			lang = v.Language
		}
	}
	results, err := base.Search(r.Context(), knowledge.Query{Text: q, Language: truncate(lang, 35), Limit: int(limit)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": nonNil(results)})
}

// visitorHelpArticle returns one article, its body sanitised here whatever
// the Base did.
func (h *helpAPI) visitorHelpArticle(w http.ResponseWriter, r *http.Request) {
	base, err := h.helpBase()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := base.Article(r.Context(), r.PathValue("id"))
	if errors.Is(err, knowledge.ErrNotFound) {
		err = publicf(ErrNotFound, "article not found")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cp := *a
	cp.Body = knowledge.Sanitize(a.Body)
	writeJSON(w, http.StatusOK, map[string]any{"article": cp})
}
