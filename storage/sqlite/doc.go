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
// The database runs in WAL mode with synchronous=NORMAL: a commit is
// durable against a crash of the process, and a power failure may lose
// the last commits but never corrupts the file. All writes go through a
// single connection, so concurrent writers queue (honouring their
// contexts) instead of failing with SQLITE_BUSY, and each write
// transaction takes the write lock when it begins; reads use a separate
// pool of read-only connections and never wait for writes. Message
// sequence numbers are therefore dense and idempotent under any number of
// goroutines. Several processes may open the same file; they wait up to
// ten seconds for each other's write locks.
//
// # Group commit
//
// [Store.AppendMessage] and [Store.SetReadMark], the writes a chat makes
// most, are group committed: one goroutine per Store takes the writes
// waiting for it and runs them in one write transaction, up to 256 of
// them, then answers each caller once that transaction has committed, so
// an acknowledged message is as durable as any other commit. Before it
// begins, the goroutine waits for more writes, at most until two
// milliseconds after the first write of the group was called: while
// writes that callers have already started are not queued yet; while the
// group is smaller than the recent large groups (the largest, halved for
// each group since) and writes come less than two milliseconds apart on a
// moving average, as callers answered together usually write again
// together; and while writes arrive steadily, at least 100 µs apart on
// that average (closer ones queue while the previous group commits), with
// the next one due in time by the average and not later than twice it.
// So at a steady rate appends that arrive within about a millisecond of
// each other usually share one transaction, and a lone caller, whose
// writes are far apart, is not delayed.
//
// Each append is one INSERT that takes the conversation's next sequence
// number (or stores nothing when the sender already used the client
// message id, also earlier in the same group) and one UPDATE of the
// conversation, both prepared once. [Store.AppendMessageIf], the append
// the Handler makes for visitors' and agents' messages, first reads the
// conversation in the same transaction, on the writer's connection: the
// condition is checked on that read, with the write lock held, and the
// INSERT takes the sequence number it gave. A read mark is one upsert that
// moves the mark only forward and one query of the mark stored. A write that
// fails on its own (an unknown conversation, a taken message id) undoes
// only its statement and gets its error; when the transaction fails as a
// whole, each of its writes runs again in a transaction of its own. A
// caller whose context ends before its write has begun gets the context's
// error and nothing is stored; once begun, the write does not depend on
// any caller's context. [Store.Close] commits the writes already queued
// and stops the goroutine. The other writes run one transaction each.
//
// # Checkpoints
//
// For a database file, another goroutine with a connection of its own
// copies the WAL back into the database, so that a commit does not wait
// for that copy and its fsyncs: once 1,024 writes (the grouped ones, and
// each transaction of the others) have committed since its last
// checkpoint, or half a second after the first of them,
// whichever comes first. A page that many commits rewrite meanwhile (the
// last page of a busy conversation's messages, of an index, of the
// conversations) is copied and synced once. These checkpoints never wait
// for readers: they copy what no reader still needs, and once all is
// copied the next write starts the WAL over. Readers that always overlap
// can still keep the WAL from starting over, and it then grows until
// they pause. The writer connection's own automatic checkpoint starts
// only at 8,000 pages, a bound for a WAL that readers hold back. With
// synchronous=NORMAL the WAL is synced to the disk at a checkpoint, so
// the writes a power failure may lose (appends, read marks, and the
// others: conversations, contacts, consents, erasures) are those since
// the last checkpoint that could copy them: while no reader holds the WAL
// back, at most half a second's, or 1,024 of them.
//
// Times are stored as integer unix nanoseconds and come back in UTC with
// full precision, for instants between the years 1677 and 2262; the zero
// time is stored as NULL and comes back as the zero time.
//
// One Store serves one process. Processes that share a file share its
// data, but live events travel only inside a process with the in-process
// broker, so run one chat process per SQLite file.
package sqlite
