// Package sqlite is the embedded default [livechat.Storage]: one SQLite
// database file, pure Go (modernc.org/sqlite, no cgo), nothing to run
// beside the application.
//
//	store, err := sqlite.Open("chat.db")
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//
// [Open] creates the file when needed and migrates its schema with the
// migrations embedded in this package, each applied once in its own
// transaction and recorded in the schema_migrations table. A database
// written by a newer version of the package is refused with
// [ErrSchemaTooNew] rather than misread.
//
// The database runs in WAL mode. All writes go through a single
// connection, so concurrent writers queue (honouring their contexts)
// instead of failing with SQLITE_BUSY, and each write transaction takes
// the write lock when it begins; reads use a separate pool of read-only
// connections and never wait for writes. Message sequence numbers are
// therefore dense and idempotent under any number of goroutines. Several
// processes may open the same file; they wait up to ten seconds for each
// other's write locks.
//
// Times are stored as integer unix nanoseconds and come back in UTC with
// full precision, for instants between the years 1677 and 2262; the zero
// time is stored as NULL and comes back as the zero time.
//
// One Store serves one process. Processes that share a file share its
// data, but live events travel only inside a process with the in-process
// broker, so run one chat process per SQLite file.
package sqlite
