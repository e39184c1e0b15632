package livechat

import "sync"

// memo remembers the results of a pure function for up to max keys (then
// it computes the others each time), so that what every page view asks
// with the same few inputs (the language a browser reports, a consent
// text) is worked out once.
type memo[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

func newMemo[K comparable, V any](max int) *memo[K, V] {
	return &memo[K, V]{m: make(map[K]V), max: max}
}

// get returns fn(k), from memory when it can. What it returns is shared:
// callers must not change it.
func (c *memo[K, V]) get(k K, fn func(K) V) V {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v = fn(k)
	c.mu.Lock()
	if len(c.m) < c.max {
		c.m[k] = v
	}
	c.mu.Unlock()
	return v
}
