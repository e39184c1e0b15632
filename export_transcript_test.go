package livechat

import "time"

// SetTranscriptTiming sets how long a visitor's transcript request waits
// for the mail and the waits between attempts. Call it before the first
// request.
func (h *Handler) SetTranscriptTiming(wait time.Duration, retries ...time.Duration) {
	h.srv.transcripts.wait = wait
	h.srv.transcripts.retries = retries
}
