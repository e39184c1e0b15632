package livechat

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxSurveyComment is the longest survey comment, in characters.
const maxSurveyComment = 1000

type surveyRequest struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment"`
}

// visitorSurvey stores the visitor's rating of a closed conversation, once.
func (h *Handler) visitorSurvey(w http.ResponseWriter, r *http.Request) {
	serveConv(h, w, r, h.visitorConv, func(c *Conversation, req *surveyRequest) (int, any, error) {
		if f := h.flowFor(r.Context(), c.ChatflowID); f == nil || f.Options.SurveyID == "" {
			return 0, nil, publicf(ErrInvalid, "this conversation's chat has no survey")
		}
		if c.Status != StatusClosed {
			return 0, nil, publicf(ErrInvalid, "the survey opens when the conversation has ended")
		}
		if req.Rating < 1 || req.Rating > 5 {
			return 0, nil, publicf(ErrInvalid, "rating must be 1 to 5")
		}
		comment := strings.TrimSpace(req.Comment)
		if n := utf8.RuneCountInString(comment); n > maxSurveyComment {
			return 0, nil, publicf(ErrTooLarge, "comment is too long (limit %d characters)", maxSurveyComment)
		}
		a := &SurveyAnswer{ConversationID: c.ID, Rating: req.Rating, Comment: comment, CreatedAt: h.now().UTC()}
		if err := h.store.PutSurvey(r.Context(), a); errors.Is(err, ErrConflict) {
			return 0, nil, fmt.Errorf("%w (%w)", publicf(ErrConflict, "the survey has already been answered"), err)
		} else if err != nil {
			return 0, nil, err
		}
		h.publish(r.Context(), Event{Type: EventSurvey, ConversationID: c.ID, Seq: c.LastSeq, Survey: a})
		return http.StatusCreated, map[string]any{"survey": a}, nil
	})
}
