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
// each row its own transaction, and in transactions of Batch rows.
type rawResult struct {
	SingleRowsPerSec  float64 `json:"singleRowsPerSec"`
	BatchedRowsPerSec float64 `json:"batchedRowsPerSec"`
	Batch             int     `json:"batch"`
	// CPUMicrosPerRow is the process's CPU per row, each the median slice.
	SingleCPUMicrosPerRow  float64 `json:"singleCpuMicrosPerRow"`
	BatchedCPUMicrosPerRow float64 `json:"batchedCpuMicrosPerRow"`
}

// The columns storage/sqlite and storage/postgres insert for a message.
const rawColumns = `id, client_msg_id, conversation_id, seq, sender, author_id, author_name, text, code, created_at`

// rawInsert is the persist ceiling: the Storage's own schema (made by
// opening the Storage, which migrates it), then rows inserted into its
// messages table directly with the same driver, one per transaction and
// o.batch per transaction, each for o.duration in all.
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
	res := &rawResult{Batch: o.batch}
	seq := int64(0)
	row := func() rawRow {
		seq++
		return rawRow{id: uuid.NewString(), clientID: "r" + strconv.FormatInt(seq, 10), seq: seq, text: text, at: time.Now()}
	}
	// The two loops alternate in slices, and each keeps the median slice,
	// so that a stall of the machine costs one slice, not a whole loop.
	const slices = 5
	slice := max(o.duration/slices, 50*time.Millisecond)
	loop := func(batch int) (float64, float64, error) {
		cpu0, _ := procCPU(os.Getpid())
		start := time.Now()
		n := 0
		for time.Since(start) < slice {
			rows := make([]rawRow, batch)
			for i := range rows {
				rows[i] = row()
			}
			if err := ins.insert(ctx, rows, batch > 1); err != nil {
				return 0, 0, err
			}
			n += batch
		}
		el := time.Since(start)
		cpu1, _ := procCPU(os.Getpid())
		return float64(n) / el.Seconds(), float64((cpu1 - cpu0).Microseconds()) / float64(n), nil
	}
	var single, batched, singleCPU, batchedCPU []float64
	for range slices {
		r, c, err := loop(1)
		if err != nil {
			return nil, err
		}
		single, singleCPU = append(single, r), append(singleCPU, c)
		if r, c, err = loop(o.batch); err != nil {
			return nil, err
		}
		batched, batchedCPU = append(batched, r), append(batchedCPU, c)
	}
	res.SingleRowsPerSec, res.SingleCPUMicrosPerRow = median(single), median(singleCPU)
	res.BatchedRowsPerSec, res.BatchedCPUMicrosPerRow = median(batched), median(batchedCPU)
	return res, nil
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
	id, clientID string
	seq          int64
	text         string
	at           time.Time
}

// inserter inserts rows into one conversation's messages: in one
// transaction when tx is set, else each row in its own.
type inserter interface {
	insert(ctx context.Context, rows []rawRow, tx bool) error
	close()
}

// loadConversation is the conversation the raw rows belong to (the
// messages table references conversations).
func loadConversation(ctx context.Context, s livechat.Storage) (string, error) {
	now := time.Now()
	c := &livechat.Conversation{ID: uuid.NewString(), VisitorID: "load", Status: livechat.StatusOpen, CreatedAt: now, UpdatedAt: now}
	return c.ID, s.CreateConversation(ctx, c)
}

type sqliteInserter struct {
	store *sqlite.Store
	db    *sql.DB
	stmt  *sql.Stmt
	conv  string
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
	conv, err := loadConversation(ctx, store)
	if err != nil {
		store.Close()
		return nil, err
	}
	// The driver storage/sqlite registers, with the connection settings it
	// uses for writing.
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
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
	return &sqliteInserter{store: store, db: db, stmt: stmt, conv: conv}, nil
}

func (s *sqliteInserter) insert(ctx context.Context, rows []rawRow, inTx bool) error {
	exec := func(st *sql.Stmt, r rawRow) error {
		_, err := st.ExecContext(ctx, r.id, r.clientID, s.conv, r.seq, "visitor", "", "", r.text, "", r.at.UnixNano())
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

func (s *sqliteInserter) close() {
	s.stmt.Close()
	s.db.Close()
	s.store.Close()
}

type postgresInserter struct {
	store  *postgres.Store
	conn   *pgx.Conn
	insSQL string
	conv   string
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
	if p.conv, err = loadConversation(ctx, store); err != nil {
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
			if _, err := p.conn.Exec(ctx, p.insSQL, r.id, r.clientID, p.conv, r.seq, "visitor", "", "", r.text, "", r.at); err != nil {
				return err
			}
		}
		return nil
	}
	return pgx.BeginFunc(ctx, p.conn, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rows {
			b.Queue(p.insSQL, r.id, r.clientID, p.conv, r.seq, "visitor", "", "", r.text, "", r.at)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

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
