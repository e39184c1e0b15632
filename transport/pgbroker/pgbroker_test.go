package pgbroker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/transport"
	"github.com/golivechat/livechat/transport/pgbroker"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const envDSN = "LIVECHAT_TEST_POSTGRES"

// dsn returns the test database's address: the test skips without one,
// and fails under CI.
func dsn(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv(envDSN)
	if d == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set", envDSN)
		}
		tb.Skipf("%s is not set", envDSN)
	}
	return d
}

// testDB is one test's share of the database: a random prefix and a
// schema that is dropped when the test ends.
type testDB struct {
	pool   *pgxpool.Pool
	prefix string
	schema string
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	d := dsn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, d)
	require.NoError(t, err)
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		t.Fatalf("%s: %v", envDSN, err)
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	db := &testDB{pool: pool, prefix: "t" + hex.EncodeToString(r[:]), schema: "pgbroker_test_" + hex.EncodeToString(r[:])}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{db.schema}.Sanitize()+` CASCADE`)
		pool.Close()
		require.NoError(t, err)
	})
	return db
}

// open returns a Broker on its own pool, closed when the test ends.
func (db *testDB) open(t testing.TB, opts ...pgbroker.Option) *pgbroker.Broker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts = append([]pgbroker.Option{pgbroker.WithPrefix(db.prefix), pgbroker.WithSchema(db.schema)}, opts...)
	b, err := pgbroker.Open(ctx, dsn(t), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return b
}

// rows counts the stored payloads.
func (db *testDB) rows(t *testing.T) int {
	t.Helper()
	var n int
	err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+pgx.Identifier{db.schema, "pgbroker_payloads"}.Sanitize()).Scan(&n)
	require.NoError(t, err)
	return n
}

// cut terminates b's listening connection from another one.
func (db *testDB) cut(t *testing.T, b *pgbroker.Broker) {
	t.Helper()
	var ok bool
	err := db.pool.QueryRow(context.Background(), `SELECT pg_terminate_backend($1)`, int32(pgbroker.ListenerPID(b))).Scan(&ok)
	require.NoError(t, err)
	require.True(t, ok)
}

// inbox collects the payloads of one subscription.
type inbox struct {
	mu   sync.Mutex
	got  [][]byte
	more chan struct{}
}

func subscribe(t *testing.T, b *pgbroker.Broker, topic string) *inbox {
	t.Helper()
	in := &inbox{more: make(chan struct{}, 1)}
	cancel, err := b.Subscribe(topic, func(p []byte) {
		in.mu.Lock()
		in.got = append(in.got, bytes.Clone(p))
		in.mu.Unlock()
		select {
		case in.more <- struct{}{}:
		default:
		}
	})
	require.NoError(t, err)
	t.Cleanup(cancel)
	return in
}

// wait returns the first n payloads, failing after 10 seconds.
func (in *inbox) wait(t *testing.T, n int) [][]byte {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		in.mu.Lock()
		got := in.got
		in.mu.Unlock()
		if len(got) >= n {
			return got[:n]
		}
		select {
		case <-in.more:
		case <-deadline:
			t.Fatalf("got %d payloads, want %d", len(got), n)
		}
	}
}

func (in *inbox) count() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.got)
}

func publish(t *testing.T, b *pgbroker.Broker, topic string, payload []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, b.Publish(ctx, topic, payload))
}

func TestDeliveryAcrossNodes(t *testing.T) {
	db := newTestDB(t)
	n1, n2 := db.open(t), db.open(t)
	a1, a2 := subscribe(t, n1, "conv:a"), subscribe(t, n2, "conv:a")
	a2bis := subscribe(t, n2, "conv:a")
	other := subscribe(t, n2, "conv:b")

	publish(t, n1, "conv:a", []byte("hello"))
	for _, in := range []*inbox{a1, a2, a2bis} {
		require.Equal(t, [][]byte{[]byte("hello")}, in.wait(t, 1))
	}
	publish(t, n2, "conv:b", []byte("mark"))
	require.Equal(t, [][]byte{[]byte("mark")}, other.wait(t, 1))
	require.Equal(t, 1, a1.count(), "conv:b reached conv:a")
}

func TestPrefixesDoNotHearEachOther(t *testing.T) {
	db := newTestDB(t)
	mine := db.open(t)
	theirs := db.open(t, pgbroker.WithPrefix(db.prefix+"_other"))
	in := subscribe(t, theirs, "conv:a")
	control := subscribe(t, mine, "conv:a")
	publish(t, mine, "conv:a", []byte("only mine"))
	control.wait(t, 1)
	publish(t, theirs, "conv:a", []byte("theirs"))
	require.Equal(t, [][]byte{[]byte("theirs")}, in.wait(t, 1))
}

// Topics of any length and bytes map to valid, distinct channel names and
// route back to their own subscribers only.
func TestAnyTopic(t *testing.T) {
	db := newTestDB(t)
	b := db.open(t)
	topics := []string{
		"",
		"a",
		"A",
		strings.Repeat("x", 1000),
		strings.Repeat("x", 1001),
		`quote" and 'single'; DROP TABLE x; --`,
		"nul\x00byte",
		"\xff\xfe not utf-8",
		"конверсация 🗨",
		"UPPER lower",
	}
	seen := map[string]string{}
	var inboxes []*inbox
	for _, topic := range topics {
		ch := b.Channel(topic)
		require.LessOrEqual(t, len(ch), 63, "channel of %q", topic)
		require.True(t, strings.HasPrefix(ch, db.prefix+"_"))
		prev, dup := seen[ch]
		require.False(t, dup, "%q and %q share channel %s", prev, topic, ch)
		seen[ch] = topic
		inboxes = append(inboxes, subscribe(t, b, topic))
	}
	for i, topic := range topics {
		publish(t, b, topic, []byte(fmt.Sprint(i)))
	}
	for i, in := range inboxes {
		require.Equal(t, [][]byte{[]byte(fmt.Sprint(i))}, in.wait(t, 1), "topic %q", topics[i])
	}
	time.Sleep(100 * time.Millisecond)
	for i, in := range inboxes {
		require.Equal(t, 1, in.count(), "topic %q", topics[i])
	}
}

func TestPayloads(t *testing.T) {
	db := newTestDB(t)
	pub, sub := db.open(t), db.open(t)
	in := subscribe(t, sub, "p")

	binary := func(n int) []byte {
		p := make([]byte, n)
		_, _ = rand.Read(p)
		if n > 0 {
			p[0] = 0 // at least one NUL
		}
		return p
	}
	ascii := func(n int) []byte { return bytes.Repeat([]byte("{}"), n/2+1)[:n] }
	cases := []struct {
		name    string
		payload []byte
		byRef   bool
	}{
		{"Empty", []byte{}, false},
		{"OneByte", []byte{0}, false},
		{"Text", []byte(`{"type":"message","text":"hi"}`), false},
		{"UTF8", []byte("héllo wörld ✓"), false},
		{"TextLongestInline", ascii(7998), false},
		{"TextShortestByReference", ascii(7999), true},
		{"BinaryLongestInline", binary(5997), false},
		{"BinaryShortestByReference", binary(5998), true},
		{"Binary64KiB", binary(64 << 10), true},
		{"Text64KiB", ascii(64 << 10), true},
		{"AllByteValues", bytes.Repeat(func() []byte {
			p := make([]byte, 256)
			for i := range p {
				p[i] = byte(i)
			}
			return p
		}(), 10), false},
	}
	for i, c := range cases {
		before := db.rows(t)
		publish(t, pub, "p", c.payload)
		got := in.wait(t, i+1)[i]
		require.Equal(t, len(c.payload), len(got), c.name)
		require.True(t, bytes.Equal(c.payload, got), c.name)
		stored := db.rows(t) - before
		if c.byRef {
			require.Equal(t, 1, stored, "%s: want by reference", c.name)
		} else {
			require.Equal(t, 0, stored, "%s: want inline", c.name)
		}
	}
}

func TestPayloadTooLarge(t *testing.T) {
	db := newTestDB(t)
	b := db.open(t, pgbroker.WithMaxPayload(100))
	err := b.Publish(context.Background(), "p", make([]byte, 101))
	require.ErrorIs(t, err, pgbroker.ErrPayloadTooLarge)
	require.NoError(t, b.Publish(context.Background(), "p", make([]byte, 100)))
}

// Payloads from one publisher on one topic arrive in order, inline and by
// reference mixed, while other publishers write to the same topic.
func TestOrderPerPublisher(t *testing.T) {
	db := newTestDB(t)
	sub := db.open(t)
	pubs := []*pgbroker.Broker{db.open(t), db.open(t)}
	const perPublisher = 150
	in := subscribe(t, sub, "ordered")

	var wg sync.WaitGroup
	for p, b := range pubs {
		for g := range 2 {
			wg.Go(func() {
				for i := range perPublisher {
					payload := fmt.Appendf(nil, "%d/%d/%04d|", p, g, i)
					if i%3 == 0 {
						payload = append(payload, bytes.Repeat([]byte{0xff}, 20_000)...) // by reference
					}
					if err := b.Publish(context.Background(), "ordered", payload); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	got := in.wait(t, 4*perPublisher)
	next := map[string]int{}
	for _, p := range got {
		head, _, _ := bytes.Cut(p, []byte("|"))
		parts := strings.Split(string(head), "/")
		require.Len(t, parts, 3)
		key := parts[0] + "/" + parts[1]
		require.Equal(t, fmt.Sprintf("%04d", next[key]), parts[2], "publisher %s", key)
		next[key]++
	}
	require.Len(t, next, 4)
}

func TestUnsubscribe(t *testing.T) {
	db := newTestDB(t)
	b := db.open(t)
	gone, stays := subscribe(t, b, "t"), subscribe(t, b, "t")
	var calls int
	var mu sync.Mutex
	cancel, err := b.Subscribe("t", func([]byte) {
		mu.Lock()
		calls++
		mu.Unlock()
	})
	require.NoError(t, err)
	publish(t, b, "t", []byte("1"))
	gone.wait(t, 1)
	stays.wait(t, 1)
	cancel()
	cancel() // twice is fine
	publish(t, b, "t", []byte("2"))
	stays.wait(t, 2)
	mu.Lock()
	require.Equal(t, 1, calls)
	mu.Unlock()

	// The last subscriber leaving stops the listening; a new one starts it.
	lone := subscribe(t, b, "lone")
	c2, err := b.Subscribe("lone", func([]byte) { t.Error("called after cancel") })
	require.NoError(t, err)
	c2()
	publish(t, b, "lone", []byte("a"))
	lone.wait(t, 1)
	require.Equal(t, 1, lone.count())
}

func TestClose(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	b, err := pgbroker.New(ctx, db.pool, pgbroker.WithPrefix(db.prefix), pgbroker.WithSchema(db.schema))
	require.NoError(t, err)
	subscribe(t, b, "t")
	require.NoError(t, b.Close())
	require.NoError(t, b.Close())
	require.ErrorIs(t, b.Publish(ctx, "t", []byte("x")), transport.ErrBrokerClosed)
	_, err = b.Subscribe("t", func([]byte) {})
	require.ErrorIs(t, err, transport.ErrBrokerClosed)
	// New leaves the host's pool open.
	require.NoError(t, db.pool.Ping(ctx))
}

func TestPublishHonoursContext(t *testing.T) {
	db := newTestDB(t)
	b := db.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, b.Publish(ctx, "t", []byte("x")), context.Canceled)
	require.ErrorIs(t, b.Publish(ctx, "t", make([]byte, 20_000)), context.Canceled)
}

// When the listening connection is cut, the broker says so, reconnects,
// listens again to every topic (also those subscribed while it was down)
// and says it is back.
func TestReconnect(t *testing.T) {
	db := newTestDB(t)
	b := db.open(t, pgbroker.WithReconnectBackoff(200*time.Millisecond, time.Second))
	pub := db.open(t)
	states := make(chan transport.State, 10)
	stop := b.OnState(func(st transport.State) { states <- st })
	defer stop()
	// A function that cancels itself when first called hears one report.
	var selfCalls atomic.Int32
	self := make(chan func(), 1)
	self <- b.OnState(func(transport.State) {
		selfCalls.Add(1)
		select {
		case cancel := <-self:
			cancel()
		default:
		}
	})
	before := subscribe(t, b, "before")

	for round := range 3 {
		db.cut(t, b)
		select {
		case st := <-states:
			require.Equal(t, transport.StateDisconnected, st, "round %d", round)
		case <-time.After(10 * time.Second):
			t.Fatal("no report of the drop")
		}
		during := subscribe(t, b, fmt.Sprint("during", round))
		select {
		case st := <-states:
			require.Equal(t, transport.StateConnected, st, "round %d", round)
		case <-time.After(10 * time.Second):
			t.Fatal("no report of the return")
		}
		publish(t, pub, "before", []byte("b"))
		publish(t, pub, fmt.Sprint("during", round), []byte("d"))
		before.wait(t, round+1)
		during.wait(t, 1)
	}
	require.Empty(t, states)
	require.Equal(t, int32(1), selfCalls.Load())
}

// A stored payload stays for the retention period, whoever has read it,
// and is deleted after it.
func TestRetention(t *testing.T) {
	db := newTestDB(t)
	const retention = 4 * time.Second
	fast := db.open(t, pgbroker.WithRetention(retention))
	slow := db.open(t, pgbroker.WithRetention(retention))
	big := func(i int) []byte { return append(bytes.Repeat([]byte{0}, 10_000), byte(i)) }

	quick := subscribe(t, fast, "r")
	release := make(chan struct{})
	var mu sync.Mutex
	var got [][]byte
	cancel, err := slow.Subscribe("r", func(p []byte) {
		if len(got) == 0 {
			<-release // a node busy for a while
		}
		mu.Lock()
		got = append(got, bytes.Clone(p))
		mu.Unlock()
	})
	require.NoError(t, err)
	defer cancel()
	for i := range 3 {
		publish(t, fast, "r", big(i))
	}
	quick.wait(t, 3)
	time.Sleep(retention / 4)
	close(release)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 3
	}, 10*time.Second, 10*time.Millisecond)
	for i, p := range got {
		require.Equal(t, big(i), p)
	}
	require.Equal(t, 3, db.rows(t))
	require.Eventually(t, func() bool { return db.rows(t) == 0 }, 10*time.Second, 100*time.Millisecond)
}

// Nodes starting together on a new schema create its table once.
func TestConcurrentOpen(t *testing.T) {
	db := newTestDB(t)
	var wg sync.WaitGroup
	brokers := make([]*pgbroker.Broker, 6)
	errs := make([]error, len(brokers))
	for i := range brokers {
		wg.Go(func() {
			brokers[i], errs[i] = pgbroker.New(context.Background(), db.pool, pgbroker.WithPrefix(db.prefix), pgbroker.WithSchema(db.schema))
		})
	}
	wg.Wait()
	for i, b := range brokers {
		require.NoError(t, errs[i])
		require.NoError(t, b.Close())
	}
	require.Equal(t, 0, db.rows(t))
}

func TestOptions(t *testing.T) {
	cases := []struct {
		name string
		opt  pgbroker.Option
	}{
		{"EmptyPrefix", pgbroker.WithPrefix("")},
		{"UpperCasePrefix", pgbroker.WithPrefix("Chat")},
		{"PrefixStartsWithDigit", pgbroker.WithPrefix("1chat")},
		{"PrefixTooLong", pgbroker.WithPrefix(strings.Repeat("a", 31))},
		{"PrefixWithQuote", pgbroker.WithPrefix(`a"b`)},
		{"EmptySchema", pgbroker.WithSchema("")},
		{"UpperCaseSchema", pgbroker.WithSchema("Chat")},
		{"QuotedSchema", pgbroker.WithSchema(`"x"`)},
		{"ZeroRetention", pgbroker.WithRetention(0)},
		{"ZeroMaxPayload", pgbroker.WithMaxPayload(0)},
		{"BackoffReversed", pgbroker.WithReconnectBackoff(time.Second, time.Millisecond)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := pgbroker.Open(context.Background(), "postgres://127.0.0.1:1/none", c.opt)
			require.ErrorContains(t, err, "pgbroker:")
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := pgbroker.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.ErrorContains(t, err, "pgbroker:")
}

// A silent listening connection is checked, and stays in use when it
// answers.
func TestIdleCheck(t *testing.T) {
	db := newTestDB(t)
	b := db.open(t, pgbroker.WithPing(20*time.Millisecond))
	states := make(chan transport.State, 1)
	defer b.OnState(func(st transport.State) { states <- st })()
	in := subscribe(t, b, "idle")
	pid := pgbroker.ListenerPID(b)
	time.Sleep(300 * time.Millisecond)
	publish(t, b, "idle", []byte("still here"))
	in.wait(t, 1)
	require.Equal(t, pid, pgbroker.ListenerPID(b))
	require.Empty(t, states)
}

// Notifications that another client of the database sends on a broker's
// channel are dropped; the broker goes on delivering.
func TestForeignNotificationsAreDropped(t *testing.T) {
	db := newTestDB(t)
	b := db.open(t)
	states := make(chan transport.State, 1)
	defer b.OnState(func(st transport.State) { states <- st })()
	in := subscribe(t, b, "t")
	for _, msg := range []string{"", "hello", "b!!", "r", "rabc", "r0", "r-5", "r999999999", "tü"} {
		_, err := db.pool.Exec(context.Background(), `SELECT pg_notify($1, $2)`, b.Channel("t"), msg)
		require.NoError(t, err)
	}
	publish(t, b, "t", []byte("real"))
	require.Equal(t, [][]byte{[]byte("real")}, in.wait(t, 1))
	require.Empty(t, states)
}

// A schema that another program creates at the same moment (the storage,
// say) is no reason to fail.
func TestSchemaCreatedMeanwhile(t *testing.T) {
	db := newTestDB(t)
	ctx := context.Background()
	tx, err := db.pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	_, err = tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{db.schema}.Sanitize())
	require.NoError(t, err)
	done := make(chan error, 1)
	var b *pgbroker.Broker
	go func() {
		var err error
		b, err = pgbroker.New(ctx, db.pool, pgbroker.WithPrefix(db.prefix), pgbroker.WithSchema(db.schema))
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // New waits for the schema's creator
	require.NoError(t, tx.Commit(ctx))
	require.NoError(t, <-done)
	require.NoError(t, b.Close())
	require.Equal(t, 0, db.rows(t))
}
