package livechat

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket (golang.org/x/time/rate) per key, such as
// a visitor id or a client IP: burst at once, then perSecond on average.
// A bucket that has refilled holds no information, so it is forgotten:
// memory grows with the keys active within one refill time, not with every
// key ever seen. A nil *keyedLimiter allows everything.
type keyedLimiter struct {
	limit rate.Limit
	burst int
	// refused, when set, is called for every refusal (metrics).
	refused func()

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	sweepSize int       // the map size at which idle buckets are next dropped
	sweptAt   time.Time // and at least once a minute
}

// minSweepSize keeps small maps from being swept on every new key.
const minSweepSize = 1024

// newKeyedLimiter returns a limiter, or nil (no limit) when perSecond is
// negative.
func newKeyedLimiter(perSecond float64, burst int) *keyedLimiter {
	if perSecond < 0 {
		return nil
	}
	return &keyedLimiter{
		limit:     rate.Limit(perSecond),
		burst:     max(burst, 1),
		buckets:   make(map[string]*rate.Limiter),
		sweepSize: minSweepSize,
	}
}

// allow takes a token from key's bucket at now. When there is none it
// takes nothing and says how long until there is one.
func (l *keyedLimiter) allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.sweepSize || now.Sub(l.sweptAt) >= time.Minute {
			l.sweep(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets the buckets that are full again. Sweeping when the map has
// doubled since the last sweep keeps the cost constant per new key.
func (l *keyedLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	l.sweepSize = max(2*len(l.buckets), minSweepSize)
	l.sweptAt = now
}

// size is how many buckets the limiter holds.
func (l *keyedLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// rateLimitError is a refusal by one of the limits: which one (kind, one
// of ErrRateLimited and the errors below, which decides the protocol
// code), a message for the client and when it may try again.
type rateLimitError struct {
	kind       error
	msg        string
	retryAfter time.Duration
}

func (e *rateLimitError) Error() string { return e.kind.Error() + ": " + e.msg }
func (e *rateLimitError) Unwrap() error { return e.kind }

// The limits other than those on messages, typing and read (ErrRateLimited,
// which these wrap), each with a code of its own.
var (
	errTooManyVisitors      = fmt.Errorf("%w: new visitors", ErrRateLimited)      // per IP
	errTooManyConversations = fmt.Errorf("%w: new conversations", ErrRateLimited) // per IP
	errTooManyConnections   = fmt.Errorf("%w: open connections", ErrRateLimited)  // per IP or per visitor
)

// connRetryAfter is what a refused WebSocket is told: a slot frees when
// another connection of the same IP or visitor closes, which the server
// cannot foresee.
const connRetryAfter = 10 * time.Second

// retrySeconds is a Retry-After header value: whole seconds, rounded up,
// at least 1.
func retrySeconds(d time.Duration) string {
	return strconv.FormatInt(max(int64(math.Ceil(d.Seconds())), 1), 10)
}

// retryMillis is a retryAfter field value: whole milliseconds, rounded up,
// at least 1.
func retryMillis(d time.Duration) int64 {
	return max(int64(math.Ceil(float64(d)/float64(time.Millisecond))), 1)
}

// signalRate and signalBurst limit a visitor's typing and read frames
// (and their HTTP forms) together: far above what a person produces (a
// typing frame per keystroke at 10 keys a second passes), far below what
// a script can send.
const (
	signalRate  = 20
	signalBurst = 40
)

// limits are the Handler's abuse limits: rates per visitor and per client
// IP, and caps on open WebSockets.
type limits struct {
	messages      *keyedLimiter // per visitor
	ipMessages    *keyedLimiter // per IP
	signals       *keyedLimiter // typing and read, per visitor
	visitors      *keyedLimiter // new visitor identities, per IP
	conversations *keyedLimiter // new conversations, per IP
	conns         *connCounter
	proxies       []netip.Prefix
	clientIP      func(*http.Request) string
	now           func() time.Time
	metrics       *metrics
}

func newLimits(cfg Config, proxies []netip.Prefix) *limits {
	return &limits{
		messages:      newKeyedLimiter(cfg.VisitorRate, cfg.VisitorBurst),
		ipMessages:    newKeyedLimiter(cfg.IPMessageRate, cfg.IPMessageBurst),
		signals:       newKeyedLimiter(signalRate, signalBurst),
		visitors:      newKeyedLimiter(cfg.NewVisitorRate, cfg.NewVisitorBurst),
		conversations: newKeyedLimiter(cfg.NewConversationRate, cfg.NewConversationBurst),
		conns:         newConnCounter(cfg.MaxConnsPerIP, cfg.MaxConnsPerVisitor),
		proxies:       proxies,
		clientIP:      cfg.ClientIP,
		now:           cfg.Now,
		metrics:       noMetrics,
	}
}

// check takes a token from l for key, or counts and returns the refusal.
func check(l *keyedLimiter, key string, now time.Time, kind error, msg string) error {
	if ok, d := l.allow(key, now); !ok {
		if l.refused != nil {
			l.refused()
		}
		return &rateLimitError{kind: kind, msg: msg, retryAfter: d}
	}
	return nil
}

// message applies the visitor's and the client IP's (ipKey) message
// limits.
func (l *limits) message(visitorID, ipKey string) error {
	now := l.now()
	if err := check(l.messages, visitorID, now, ErrRateLimited, "too many messages"); err != nil {
		return err
	}
	return check(l.ipMessages, ipKey, now, ErrRateLimited, "too many messages from this address")
}

// signal applies the visitor's limit on typing and read updates.
func (l *limits) signal(visitorID string) error {
	return check(l.signals, visitorID, l.now(), ErrRateLimited, "too many typing or read updates")
}

// newVisitor applies the client IP's limit on new visitor identities.
func (l *limits) newVisitor(r *http.Request) error {
	return check(l.visitors, l.ipKey(r), l.now(), errTooManyVisitors, "too many new visitors from this address")
}

// newConversation applies the client IP's limit on new conversations.
func (l *limits) newConversation(r *http.Request) error {
	return check(l.conversations, l.ipKey(r), l.now(), errTooManyConversations, "too many new conversations from this address")
}

// count makes the limits count their refusals in m.
func (l *limits) count(m *metrics) {
	l.metrics = m
	m.countRefusals(l.messages, limitMessage)
	m.countRefusals(l.ipMessages, limitIPMessage)
	m.countRefusals(l.signals, limitSignal)
	m.countRefusals(l.visitors, limitNewVisitor)
	m.countRefusals(l.conversations, limitNewConversation)
}

// conn applies the caps on open WebSockets (connCounter.acquire).
func (l *limits) conn(ip, visitorID string) (release func(), err error) {
	release, err = l.conns.acquire(ip, visitorID)
	if err != nil {
		l.metrics.refused(limitConnection)
	}
	return release, err
}

// connCounter caps the open WebSockets per client IP and per visitor.
type connCounter struct {
	perIP, perVisitor int // 0: no cap
	mu                sync.Mutex
	byIP, byVisitor   map[string]int
}

func newConnCounter(perIP, perVisitor int) *connCounter {
	return &connCounter{
		perIP:      max(perIP, 0),
		perVisitor: max(perVisitor, 0),
		byIP:       make(map[string]int),
		byVisitor:  make(map[string]int),
	}
}

// acquire counts one more connection of ip and visitorID, or refuses it.
// The returned release must be called once the connection has ended.
func (c *connCounter) acquire(ip, visitorID string) (release func(), err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.perVisitor > 0 && c.byVisitor[visitorID] >= c.perVisitor {
		return nil, &rateLimitError{kind: errTooManyConnections, msg: "too many open connections for this visitor", retryAfter: connRetryAfter}
	}
	if c.perIP > 0 && c.byIP[ip] >= c.perIP {
		return nil, &rateLimitError{kind: errTooManyConnections, msg: "too many open connections from this address", retryAfter: connRetryAfter}
	}
	c.byIP[ip]++
	c.byVisitor[visitorID]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			decrement(c.byIP, ip)
			decrement(c.byVisitor, visitorID)
		})
	}, nil
}

// open is how many connections the counter holds in all.
func (c *connCounter) open() (byIP, byVisitor int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.byIP {
		byIP += n
	}
	for _, n := range c.byVisitor {
		byVisitor += n
	}
	return byIP, byVisitor
}

func decrement(m map[string]int, k string) {
	if m[k] <= 1 {
		delete(m, k)
	} else {
		m[k]--
	}
}

// parseProxies parses Config.TrustedProxies.
func parseProxies(list []string) ([]netip.Prefix, []error) {
	var out []netip.Prefix
	var errs []error
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			errs = append(errs, fmt.Errorf("TrustedProxies: %q must be an IP address or a CIDR prefix such as 10.0.0.0/8", s))
		}
	}
	return out, errs
}

// ip returns the client's IP address: Config.ClientIP's answer when set;
// else the connection's remote address, unless that is a trusted proxy,
// in which case the right-most X-Forwarded-For address that is not a
// trusted proxy.
func (l *limits) ip(r *http.Request) string {
	if l.clientIP != nil {
		return l.clientIP(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !l.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(hop)
		if err != nil {
			return host // not what a trusted proxy appends: count it as the proxy
		}
		if !l.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (l *limits) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range l.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ipKey is the key the per-IP limits count under: the IPv4 address, or the
// /64 prefix of an IPv6 address, since one subscriber commonly holds a
// whole /64.
func (l *limits) ipKey(r *http.Request) string {
	s := l.ip(r)
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
