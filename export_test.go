package livechat

import "time"

// KeyedLimiter exposes the per-key rate limiter to the external tests.
type KeyedLimiter struct{ l *keyedLimiter }

func NewKeyedLimiter(perSecond float64, burst int) KeyedLimiter {
	return KeyedLimiter{newKeyedLimiter(perSecond, burst)}
}

func (k KeyedLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	return k.l.allow(key, now)
}

func (k KeyedLimiter) Size() int { return k.l.size() }

// OpenConns is how many visitor WebSockets the Handler counts, by IP and
// by visitor.
func (h *Handler) OpenConns() (byIP, byVisitor int) { return h.srv.limits.conns.open() }
