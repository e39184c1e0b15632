package pgbroker

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/golivechat/livechat/transport"
)

// ErrPayloadTooLarge is returned by Publish for a payload over the limit
// set with [WithMaxPayload].
var ErrPayloadTooLarge = errors.New("pgbroker: payload too large")

const (
	// maxNotify is the longest NOTIFY payload PostgreSQL accepts: it must be
	// shorter than 8,000 bytes.
	maxNotify = 7999
	// hashLen is the number of hex digits of a topic's SHA-256 in its
	// channel name: 128 bits.
	hashLen = 32
	// maxPrefix leaves room for "_" and the hash in a 63-byte identifier.
	maxPrefix = 63 - 1 - hashLen
	// listenBatch is the number of LISTEN commands sent in one round trip.
	listenBatch = 100
	// queryTimeout bounds each statement of the listening connection.
	queryTimeout = 10 * time.Second
	// lockKey is the advisory lock held while the payload table is created.
	lockKey int64 = 0x6c63_7062_726b_0001
)

// Kinds of NOTIFY payload, its first byte.
const (
	kindText   = 't' // the payload itself: ASCII without NUL
	kindBase64 = 'b' // the payload in standard base64
	kindRef    = 'r' // the decimal id of a row of the payload table
)

var (
	prefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	schemaRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
)

// Option configures a Broker.
type Option func(*options)

type options struct {
	prefix     string
	schema     string
	retention  time.Duration
	maxPayload int
	minBackoff time.Duration
	maxBackoff time.Duration
	// ping is how long the listening connection may stay silent before it
	// is checked, so that one that died without a word is noticed.
	ping time.Duration
}

// withPing sets how long the listening connection may stay silent before
// it is checked. Default 15 s.
func withPing(d time.Duration) Option {
	return func(o *options) { o.ping = d }
}

// WithPrefix sets the prefix of the channel names, so that deployments
// sharing a database do not hear each other: lower-case letters, digits and
// underscores, starting with a letter, at most 30 bytes. Default
// "livechat". Brokers that talk to each other use the same prefix.
func WithPrefix(prefix string) Option {
	return func(o *options) { o.prefix = prefix }
}

// WithSchema sets the schema of the table that holds payloads too large
// for NOTIFY, created when it does not exist: a lower-case identifier (a
// letter or underscore, then letters, digits or underscores, at most 63
// bytes). Default "livechat", the schema of storage/postgres.
func WithSchema(schema string) Option {
	return func(o *options) { o.schema = schema }
}

// WithRetention sets how long a payload too large for NOTIFY is kept for
// the nodes that have yet to read it. A node whose listener is further
// behind than this misses the payload, as if the broker had dropped it.
// Default 5 minutes.
func WithRetention(d time.Duration) Option {
	return func(o *options) { o.retention = d }
}

// WithMaxPayload sets the largest payload Publish accepts, in bytes.
// Default 1 MiB.
func WithMaxPayload(n int) Option {
	return func(o *options) { o.maxPayload = n }
}

// WithReconnectBackoff sets the first and the longest wait between
// attempts to reconnect the listening connection; the wait doubles after
// each failed attempt. Defaults 100 ms and 5 s.
func WithReconnectBackoff(first, longest time.Duration) Option {
	return func(o *options) { o.minBackoff, o.maxBackoff = first, longest }
}

func buildOptions(opts []Option) (options, error) {
	o := options{
		prefix:     "livechat",
		schema:     "livechat",
		retention:  5 * time.Minute,
		maxPayload: 1 << 20,
		minBackoff: 100 * time.Millisecond,
		maxBackoff: 5 * time.Second,
		ping:       15 * time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case len(o.prefix) > maxPrefix || !prefixRE.MatchString(o.prefix):
		return o, fmt.Errorf("pgbroker: prefix %q: want lower-case letters, digits and _, starting with a letter, at most %d bytes", o.prefix, maxPrefix)
	case !schemaRE.MatchString(o.schema):
		return o, fmt.Errorf("pgbroker: schema %q: want a letter or _, then letters, digits and _, at most 63 bytes", o.schema)
	case o.retention <= 0:
		return o, fmt.Errorf("pgbroker: retention %v: want more than zero", o.retention)
	case o.maxPayload <= 0:
		return o, fmt.Errorf("pgbroker: max payload %d: want more than zero", o.maxPayload)
	case o.minBackoff <= 0 || o.maxBackoff < o.minBackoff:
		return o, fmt.Errorf("pgbroker: reconnect backoff %v..%v: want 0 < first <= longest", o.minBackoff, o.maxBackoff)
	}
	return o, nil
}

// Broker is a [transport.Broker] on PostgreSQL LISTEN/NOTIFY. Create it
// with [New] or [Open]; it is safe for concurrent use.
type Broker struct {
	opts     options
	pool     *pgxpool.Pool
	ownsPool bool
	connCfg  *pgx.ConnConfig
	table    string // quoted schema.table of large payloads

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
	pid    atomic.Uint32 // backend process of the listening connection

	// mu guards the fields below. Subscribers are called with mu read-locked.
	mu      sync.RWMutex
	topics  map[string]*topicSubs // by channel name
	nextID  uint64
	up      bool            // the listening connection is live and listens to every topic
	waiters []chan struct{} // Subscribe calls waiting for their LISTEN
	wake    context.CancelFunc

	states transport.StateListeners
}

// topicSubs is the subscribers of one topic.
type topicSubs struct {
	subs      map[uint64]func([]byte)
	listening bool // LISTEN has run on the current connection
}

var _ transport.StateNotifier = (*Broker)(nil)

// Open connects to the database at dsn (a PostgreSQL URL or key=value
// string) with a pool of its own, which Close closes, and returns a Broker
// on it as [New] does.
func Open(ctx context.Context, dsn string, opts ...Option) (*Broker, error) {
	if _, err := buildOptions(opts); err != nil {
		return nil, err
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("pgbroker: open: %v", err)
	}
	b, err := New(ctx, pool, opts...)
	if err != nil {
		pool.Close()
		return nil, err
	}
	b.ownsPool = true
	return b, nil
}

// New returns a Broker that publishes through pool and listens on a
// connection of its own, made with pool's connection settings. It creates
// the payload table when missing, under an advisory lock so that nodes
// starting together are safe, and returns once it listens. The caller
// keeps ownership of pool and closes it after the Broker.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Broker, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	cfg := pool.Config().ConnConfig
	// On a cancelled wait, only set a deadline on the socket: the default
	// of some configurations sends a cancel request, which could cancel the
	// next statement instead.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	b := &Broker{
		opts:    o,
		pool:    pool,
		connCfg: cfg,
		table:   pgx.Identifier{o.schema, "pgbroker_payloads"}.Sanitize(),
		topics:  make(map[string]*topicSubs),
	}
	if err := b.createTable(ctx); err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, b.connCfg)
	if err != nil {
		return nil, b.fail(ctx, "connect", err)
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.up = true
	b.pid.Store(conn.PgConn().PID())
	b.wg.Add(2)
	go b.listen(conn)
	go b.sweep()
	return b, nil
}

// createTable creates the schema and the table of large payloads when
// missing. Brokers take turns under an advisory lock; another program
// creating the schema at the same moment (storage/postgres) makes the
// attempt fail with a duplicate, and it is tried again.
func (b *Broker) createTable(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		err := b.tryCreateTable(ctx)
		var pgErr *pgconn.PgError
		if attempt < 3 && errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "42P06" || pgErr.Code == "42P07") {
			continue // unique_violation, duplicate_schema, duplicate_table
		}
		return b.fail(ctx, "create table", err)
	}
}

func (b *Broker) tryCreateTable(ctx context.Context) error {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
		return err
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, b.opts.schema).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{b.opts.schema}.Sanitize()); err != nil {
			return err
		}
	}
	index := pgx.Identifier{"pgbroker_payloads_created_at"}.Sanitize()
	if _, err := tx.Exec(ctx, `CREATE UNLOGGED TABLE IF NOT EXISTS `+b.table+` (
		id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		payload    bytea       NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE INDEX IF NOT EXISTS `+index+` ON `+b.table+` (created_at)`); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	return nil
}

// Channel returns the NOTIFY channel of topic: the prefix, "_" and 32 hex
// digits of the topic's SHA-256, so that any topic, of any length and
// bytes, fits PostgreSQL's 63-byte identifiers.
func (b *Broker) Channel(topic string) string {
	sum := sha256.Sum256([]byte(topic))
	return b.opts.prefix + "_" + hex.EncodeToString(sum[:hashLen/2])
}

// Publish sends payload to the subscribers of topic on every Broker with
// the same prefix on the database. A payload that does not fit NOTIFY is
// stored in the payload table, in the same statement, and its row id is
// sent instead. Payloads from one goroutine on one topic arrive in the
// order they were published, whatever their size. It returns
// [ErrPayloadTooLarge] for a payload over the limit and
// [transport.ErrBrokerClosed] after Close.
func (b *Broker) Publish(ctx context.Context, topic string, payload []byte) error {
	if b.closed.Load() {
		return transport.ErrBrokerClosed
	}
	if len(payload) > b.opts.maxPayload {
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrPayloadTooLarge, len(payload), b.opts.maxPayload)
	}
	ch := b.Channel(topic)
	var err error
	if msg, ok := encode(payload); ok {
		_, err = b.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, ch, msg)
	} else {
		_, err = b.pool.Exec(ctx, `WITH p AS (INSERT INTO `+b.table+` (payload) VALUES ($2) RETURNING id)
			SELECT pg_notify($1, 'r' || id) FROM p`, ch, payload)
	}
	return b.fail(ctx, "publish", err)
}

// encode returns the NOTIFY payload carrying payload, or false when it
// does not fit in one. ASCII without NUL is valid text in every server
// encoding and goes as it is; anything else goes in base64.
func encode(payload []byte) (string, bool) {
	text := true
	for _, c := range payload {
		if c == 0 || c >= 0x80 {
			text = false
			break
		}
	}
	if text {
		if 1+len(payload) > maxNotify {
			return "", false
		}
		return string(kindText) + string(payload), true
	}
	if 1+base64.StdEncoding.EncodedLen(len(payload)) > maxNotify {
		return "", false
	}
	return string(kindBase64) + base64.StdEncoding.EncodeToString(payload), true
}

// decode reads a NOTIFY payload made by encode or Publish: the payload
// itself, or the id (above zero) of the row that holds it. Anything else,
// which another client of the database may have sent on the channel, is
// not ok.
func decode(msg string) (payload []byte, ref int64, ok bool) {
	if msg == "" {
		return nil, 0, false
	}
	body := msg[1:]
	switch msg[0] {
	case kindText:
		for i := range len(body) {
			if body[i] == 0 || body[i] >= 0x80 {
				return nil, 0, false
			}
		}
		return []byte(body), 0, true
	case kindBase64:
		p, err := base64.StdEncoding.DecodeString(body)
		return p, 0, err == nil
	case kindRef:
		id, err := strconv.ParseInt(body, 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != body {
			return nil, 0, false
		}
		return nil, id, true
	}
	return nil, 0, false
}

// Subscribe calls fn for every payload published on topic until the
// returned cancel function is called. When the listening connection is
// live, Subscribe returns once the database listens on the topic, so a
// payload published after it returns reaches fn; while it is down, the
// topic is listened to when it returns. fn runs on the broker's goroutine,
// in publication order; it must not block, modify payload, or call
// Subscribe or a cancel function. After the cancel function returns, fn is
// not called again.
func (b *Broker) Subscribe(topic string, fn func(payload []byte)) (func(), error) {
	ch := b.Channel(topic)
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return nil, transport.ErrBrokerClosed
	}
	t := b.topics[ch]
	if t == nil {
		t = &topicSubs{subs: make(map[uint64]func([]byte))}
		b.topics[ch] = t
	}
	b.nextID++
	id := b.nextID
	t.subs[id] = fn
	var wait chan struct{}
	if !t.listening {
		if b.up {
			wait = make(chan struct{})
			b.waiters = append(b.waiters, wait)
		}
		b.wakeLocked()
	}
	b.mu.Unlock()
	if wait != nil {
		<-wait
		if b.closed.Load() {
			return nil, transport.ErrBrokerClosed
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			t := b.topics[ch]
			if t == nil {
				return
			}
			delete(t.subs, id)
			if len(t.subs) == 0 {
				delete(b.topics, ch)
				b.wakeLocked()
			}
		})
	}, nil
}

// wakeLocked interrupts the listener's wait so that it applies the
// subscriptions. b.mu must be held.
func (b *Broker) wakeLocked() {
	if b.wake != nil {
		b.wake()
	}
}

// Close stops delivery, closes the listening connection, and closes the
// pool if [Open] made it. Later calls of Publish and Subscribe return
// [transport.ErrBrokerClosed].
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed.Swap(true) {
		b.mu.Unlock()
		return nil
	}
	b.topics = nil
	b.releaseWaitersLocked()
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
	if b.ownsPool {
		b.pool.Close()
	}
	return nil
}

func (b *Broker) releaseWaitersLocked() {
	for _, w := range b.waiters {
		close(w)
	}
	b.waiters = nil
}

// fail wraps err from the driver for the caller: context errors and the
// closed broker keep their identity, the driver's own types do not leak.
func (b *Broker) fail(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case b.closed.Load():
		return fmt.Errorf("pgbroker: %s: %w", op, transport.ErrBrokerClosed)
	case ctx.Err() != nil:
		return fmt.Errorf("pgbroker: %s: %w", op, ctx.Err())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("pgbroker: %s: %w", op, err)
	}
	return fmt.Errorf("pgbroker: %s: %v", op, err)
}

// listen owns the listening connection: it applies subscriptions, waits
// for notifications and dispatches them, and reconnects with backoff when
// the connection drops.
func (b *Broker) listen(conn *pgx.Conn) {
	defer b.wg.Done()
	for {
		b.serve(conn)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(closeCtx) //nolint:errcheck // the connection is being dropped
		cancel()
		if b.ctx.Err() != nil {
			return
		}
		b.down()
		if conn = b.reconnect(); conn == nil {
			return
		}
	}
}

// reconnect connects again, waiting longer after each failure, until it
// succeeds or the broker closes (nil).
func (b *Broker) reconnect() *pgx.Conn {
	delay := b.opts.minBackoff
	for {
		t := time.NewTimer(delay)
		select {
		case <-b.ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(b.ctx, queryTimeout)
		conn, err := pgx.ConnectConfig(ctx, b.connCfg)
		cancel()
		if err == nil {
			b.pid.Store(conn.PgConn().PID())
			return conn
		}
		delay = min(2*delay, b.opts.maxBackoff)
	}
}

// down records that the listening connection dropped: it forgets its
// LISTENs, the Subscribe calls waiting for one return, and the state
// listeners hear of it.
func (b *Broker) down() {
	b.mu.Lock()
	was := b.up
	b.up = false
	for _, t := range b.topics {
		t.listening = false
	}
	b.releaseWaitersLocked()
	b.mu.Unlock()
	if was {
		b.report(transport.StateDisconnected)
	}
}

// report tells the state listeners, unless the broker is closing.
func (b *Broker) report(st transport.State) {
	if b.ctx.Err() == nil {
		b.states.Report(st)
	}
}

// OnState calls fn when the listening connection drops
// ([transport.StateDisconnected]) and when it is back and listens again
// to every subscribed topic ([transport.StateConnected]), until the
// returned cancel function is called. fn runs on the broker's goroutine
// and must not block; cancel may be called more than once, and from fn.
func (b *Broker) OnState(fn func(transport.State)) (cancel func()) {
	return b.states.Add(fn)
}

// serve runs one listening connection until it fails or the broker
// closes. Once every topic is listened to, a broker that was down is up
// again.
func (b *Broker) serve(conn *pgx.Conn) error {
	listening := make(map[string]bool)
	for {
		b.mu.Lock()
		if b.closed.Load() {
			b.mu.Unlock()
			return transport.ErrBrokerClosed
		}
		var add, remove []string
		for ch := range b.topics {
			if !listening[ch] {
				add = append(add, ch)
			}
		}
		for ch := range listening {
			if b.topics[ch] == nil {
				remove = append(remove, ch)
			}
		}
		waiters := b.waiters
		b.waiters = nil
		waitCtx, wake := context.WithTimeout(b.ctx, b.opts.ping)
		b.wake = wake
		b.mu.Unlock()

		err := b.apply(conn, "LISTEN", add, listening, true)
		if err == nil {
			err = b.apply(conn, "UNLISTEN", remove, listening, false)
		}
		if err != nil {
			wake()
			b.mu.Lock()
			b.waiters = append(b.waiters, waiters...)
			b.mu.Unlock()
			return err
		}
		b.mu.Lock()
		all := true
		for ch, t := range b.topics {
			t.listening = listening[ch]
			all = all && t.listening
		}
		returned := all && !b.up
		if returned {
			b.up = true
		}
		b.mu.Unlock()
		for _, w := range waiters {
			close(w)
		}
		if returned {
			b.report(transport.StateConnected)
		}

		for {
			n, err := conn.WaitForNotification(waitCtx)
			if n != nil {
				if err := b.dispatch(conn, n); err != nil {
					wake()
					return err
				}
			}
			if err == nil {
				continue
			}
			if conn.IsClosed() || b.ctx.Err() != nil {
				wake()
				return err
			}
			if errors.Is(waitCtx.Err(), context.DeadlineExceeded) {
				pingCtx, cancel := context.WithTimeout(b.ctx, queryTimeout)
				err := conn.Ping(pingCtx)
				cancel()
				if err != nil {
					wake()
					return err
				}
			} else if waitCtx.Err() == nil {
				wake()
				return err
			}
			break // woken: apply the subscriptions
		}
		wake()
	}
}

// apply runs LISTEN or UNLISTEN for channels, in batches, and records them
// in listening.
func (b *Broker) apply(conn *pgx.Conn, cmd string, channels []string, listening map[string]bool, on bool) error {
	for len(channels) > 0 {
		n := min(len(channels), listenBatch)
		var sql []byte
		for _, ch := range channels[:n] {
			sql = append(sql, cmd...)
			sql = append(sql, ' ')
			sql = append(sql, pgx.Identifier{ch}.Sanitize()...)
			sql = append(sql, ';')
		}
		ctx, cancel := context.WithTimeout(b.ctx, queryTimeout)
		_, err := conn.Exec(ctx, string(sql), pgx.QueryExecModeSimpleProtocol)
		cancel()
		if err != nil {
			return err
		}
		for _, ch := range channels[:n] {
			if on {
				listening[ch] = true
			} else {
				delete(listening, ch)
			}
		}
		channels = channels[n:]
	}
	return nil
}

// dispatch decodes one notification and calls the subscribers of its
// channel. A payload stored by reference is read on conn, so that
// notifications keep their order. A payload that cannot be read (deleted
// after the retention period) is dropped; an error means conn failed.
func (b *Broker) dispatch(conn *pgx.Conn, n *pgconn.Notification) error {
	b.mu.RLock()
	subscribed := b.topics[n.Channel] != nil
	b.mu.RUnlock()
	if !subscribed {
		return nil
	}
	payload, ref, ok := decode(n.Payload)
	if !ok {
		return nil
	}
	if ref != 0 {
		ctx, cancel := context.WithTimeout(b.ctx, queryTimeout)
		err := conn.QueryRow(ctx, `SELECT payload FROM `+b.table+` WHERE id = $1`, ref).Scan(&payload)
		cancel()
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if t := b.topics[n.Channel]; t != nil {
		for _, fn := range t.subs {
			fn(payload)
		}
	}
	return nil
}

// sweep deletes stored payloads older than the retention period, on
// every node, at half that period (at most every minute).
func (b *Broker) sweep() {
	defer b.wg.Done()
	every := min(max(b.opts.retention/2, 50*time.Millisecond), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(b.ctx, queryTimeout)
		// A failed sweep is retried at the next tick.
		b.pool.Exec(ctx, `DELETE FROM `+b.table+` WHERE created_at < now() - $1::interval`, b.opts.retention) //nolint:errcheck
		cancel()
	}
}
