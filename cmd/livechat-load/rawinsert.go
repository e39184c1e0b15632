package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
	"github.com/golivechat/livechat/storage/sqlite"
)

// rawResult is what the raw insert ceiling measured: rows per second with
// each row its own transaction, in transactions of Batch rows that go to
// Conversations conversations in turn (as a group commit of as many
// senders, each in a conversation of its own, can hold at most), and in
// transactions of 100 rows of one conversation (the ceiling of earlier
// versions of this tool, whose rows share their index pages as no group
// of the persist scenario's can).
type rawResult struct {
	SingleRowsPerSec          float64 `json:"singleRowsPerSec"`
	BatchedRowsPerSec         float64 `json:"batchedRowsPerSec"`
	OneConversationRowsPerSec float64 `json:"oneConversationRowsPerSec"`
	Batch                     int     `json:"batch"`
	Conversations             int     `json:"conversations"`
	// CPUMicrosPerRow is the process's CPU per row over all the slices of
	// a loop (a stall of the machine costs rows per second, not CPU per
	// row), unknown (null) when the CPU stayed under /proc's resolution of
	// 10 ms: too short a -duration to tell.
	SingleCPUMicrosPerRow          num `json:"singleCpuMicrosPerRow"`
	BatchedCPUMicrosPerRow         num `json:"batchedCpuMicrosPerRow"`
	OneConversationCPUMicrosPerRow num `json:"oneConversationCpuMicrosPerRow"`
}

// oneConversationBatch is the number of rows per transaction of the
// loop that inserts into one conversation.
const oneConversationBatch = 100

// The columns storage/sqlite and storage/postgres insert for a message.
const rawColumns = `id, client_msg_id, conversation_id, seq, sender, author_id, author_name, text, code, created_at`

// rawInsert is the persist ceiling: the Storage's own schema (made by
// opening the Storage, which migrates it), then rows inserted into its
// messages table directly with the same driver: one per transaction,
// o.batch per transaction to o.conversations conversations in turn, and
// 100 per transaction to one conversation, each for o.duration in all.
func rawInsert(ctx context.Context, o *serveOptions) (*rawResult, error) {
	var ins inserter
	var err error
	switch o.storage {
	case "sqlite":
		ins, err = openSQLiteInserter(ctx, o)
	case "postgres":
		ins, err = openPostgresInserter(ctx, o)
	default:
		return nil, fmt.Errorf("no raw insert for storage %q", o.storage)
	}
	if err != nil {
		return nil, err
	}
	defer ins.close()
	text := strings.Repeat("x", o.textSize)
	convs := ins.conversations()
	res := &rawResult{Batch: o.batch, Conversations: len(convs)}
	seqs := make([]int64, len(convs))
	n := int64(0)
	next := 0
	// row is the next row of conversation i, or of the next conversation
	// in turn when i is negative.
	row := func(i int) rawRow {
		if i < 0 {
			i, next = next, (next+1)%len(convs)
		}
		seqs[i]++
		n++
		// Version 7 ids, as the Storages give messages: the rows of a
		// transaction share the last page of the id index.
		return rawRow{conv: convs[i], id: uuid.Must(uuid.NewV7()).String(), clientID: "r" + strconv.FormatInt(n, 10), seq: seqs[i], text: text, at: time.Now()}
	}
	// The two loops alternate in slices, and each keeps the median slice,
	// so that a stall of the machine costs one slice, not a whole loop.
	const slices = 5
	slice := max(o.duration/slices, 50*time.Millisecond)
	// loop inserts rows in transactions of batch rows for a slice: to
	// conversation conv, or to each in turn when conv is negative. It adds
	// its rows and CPU to cpu.
	loop := func(batch, conv int, cpu *cpuTally) (float64, error) {
		cpu0, _ := procCPU(os.Getpid())
		start := time.Now()
		n := 0
		for time.Since(start) < slice {
			rows := make([]rawRow, batch)
			for i := range rows {
				rows[i] = row(conv)
			}
			if err := ins.insert(ctx, rows, batch > 1); err != nil {
				return 0, err
			}
			n += batch
		}
		el := time.Since(start)
		cpu1, _ := procCPU(os.Getpid())
		cpu.add(cpu1-cpu0, n)
		return float64(n) / el.Seconds(), nil
	}
	var single, batched, one []float64
	var singleCPU, batchedCPU, oneCPU cpuTally
	for range slices {
		r, err := loop(1, -1, &singleCPU)
		if err != nil {
			return nil, err
		}
		single = append(single, r)
		if r, err = loop(o.batch, -1, &batchedCPU); err != nil {
			return nil, err
		}
		batched = append(batched, r)
		if r, err = loop(oneConversationBatch, 0, &oneCPU); err != nil {
			return nil, err
		}
		one = append(one, r)
	}
	res.SingleRowsPerSec, res.SingleCPUMicrosPerRow = median(single), singleCPU.microsPer()
	res.BatchedRowsPerSec, res.BatchedCPUMicrosPerRow = median(batched), batchedCPU.microsPer()
	res.OneConversationRowsPerSec, res.OneConversationCPUMicrosPerRow = median(one), oneCPU.microsPer()
	return res, nil
}

// cpuTally adds up the CPU a process spent on a number of operations.
type cpuTally struct {
	cpu time.Duration
	n   int
}

func (c *cpuTally) add(cpu time.Duration, n int) { c.cpu += cpu; c.n += n }

// microsPer is the CPU per operation in microseconds, unknown when no CPU
// was seen: /proc counts it in ticks of 10 ms, and a short run may not
// fill one.
func (c *cpuTally) microsPer() num {
	if c.cpu <= 0 || c.n == 0 {
		return nan
	}
	return num(float64(c.cpu.Microseconds()) / float64(c.n))
}

// median of values, which it sorts.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// medianBy is the median of one figure of several runs.
func medianBy[T any](runs []T, f func(T) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	return median(v)
}

type rawRow struct {
	conv         string
	id, clientID string
	seq          int64
	text         string
	at           time.Time
}

// inserter inserts rows into messages: in one transaction when tx is
// set, else each row in its own.
type inserter interface {
	insert(ctx context.Context, rows []rawRow, tx bool) error
	// conversations are the conversations the rows may go to.
	conversations() []string
	close()
}

// loadConversations makes the n conversations the raw rows belong to (the
// messages table references conversations), each with a visitor of its
// own, as the persist scenario's senders have.
func loadConversations(ctx context.Context, s livechat.Storage, n int) ([]string, error) {
	ids := make([]string, max(n, 1))
	for i := range ids {
		now := time.Now()
		c := &livechat.Conversation{ID: uuid.NewString(), VisitorID: uuid.NewString(), Status: livechat.StatusOpen, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateConversation(ctx, c); err != nil {
			return nil, err
		}
		ids[i] = c.ID
	}
	return ids, nil
}

type sqliteInserter struct {
	store *sqlite.Store
	db    *sql.DB
	stmt  *sql.Stmt
	convs []string
}

func openSQLiteInserter(ctx context.Context, o *serveOptions) (*sqliteInserter, error) {
	if o.dir == "" {
		return nil, errors.New("-dir is required")
	}
	path := filepath.Join(o.dir, "raw.db")
	store, err := sqlite.Open(path)
	if err != nil {
		return nil, err
	}
	convs, err := loadConversations(ctx, store, o.conversations)
	if err != nil {
		store.Close()
		return nil, err
	}
	// The driver storage/sqlite registers, with the connection settings it
	// uses for writing (its wal_autocheckpoint of 8,000 pages included:
	// SQLite's default of 1,000 would make these commits copy the WAL
	// back, fsyncs and all, eight times as often).
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(8000)&_txlock=immediate")
	if err != nil {
		store.Close()
		return nil, err
	}
	db.SetMaxOpenConns(1)
	stmt, err := db.PrepareContext(ctx, `INSERT INTO messages (`+rawColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		db.Close()
		store.Close()
		return nil, err
	}
	return &sqliteInserter{store: store, db: db, stmt: stmt, convs: convs}, nil
}

func (s *sqliteInserter) insert(ctx context.Context, rows []rawRow, inTx bool) error {
	exec := func(st *sql.Stmt, r rawRow) error {
		_, err := st.ExecContext(ctx, r.id, r.clientID, r.conv, r.seq, "visitor", "", "", r.text, "", r.at.UnixNano())
		return err
	}
	if !inTx {
		for _, r := range rows {
			if err := exec(s.stmt, r); err != nil {
				return err
			}
		}
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	st := tx.StmtContext(ctx, s.stmt)
	for _, r := range rows {
		if err := exec(st, r); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

func (s *sqliteInserter) conversations() []string { return s.convs }

func (s *sqliteInserter) close() {
	s.stmt.Close()
	s.db.Close()
	s.store.Close()
}

type postgresInserter struct {
	store  *postgres.Store
	conn   *pgx.Conn
	insSQL string
	convs  []string
	dsn    string
	schema string
}

func openPostgresInserter(ctx context.Context, o *serveOptions) (*postgresInserter, error) {
	if o.postgres == "" || o.schema == "" {
		return nil, errors.New("-postgres and -schema are required")
	}
	store, err := postgres.Open(ctx, o.postgres, postgres.WithSchema(o.schema))
	if err != nil {
		return nil, err
	}
	p := &postgresInserter{store: store, dsn: o.postgres, schema: o.schema}
	if p.convs, err = loadConversations(ctx, store, o.conversations); err != nil {
		p.close()
		return nil, err
	}
	if p.conn, err = pgx.Connect(ctx, o.postgres); err != nil {
		p.close()
		return nil, err
	}
	p.insSQL = `INSERT INTO ` + pgx.Identifier{o.schema, "messages"}.Sanitize() + ` (` + rawColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	return p, nil
}

func (p *postgresInserter) insert(ctx context.Context, rows []rawRow, inTx bool) error {
	if !inTx {
		for _, r := range rows {
			if _, err := p.conn.Exec(ctx, p.insSQL, r.id, r.clientID, r.conv, r.seq, "visitor", "", "", r.text, "", r.at); err != nil {
				return err
			}
		}
		return nil
	}
	return pgx.BeginFunc(ctx, p.conn, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rows {
			b.Queue(p.insSQL, r.id, r.clientID, r.conv, r.seq, "visitor", "", "", r.text, "", r.at)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

func (p *postgresInserter) conversations() []string { return p.convs }

func (p *postgresInserter) close() {
	if p.conn != nil {
		p.conn.Close(context.Background())
	}
	p.store.Close()
	dropSchema(p.dsn, p.schema)
}

// dropSchema removes a schema the tool made for one run.
func dropSchema(dsn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
}
