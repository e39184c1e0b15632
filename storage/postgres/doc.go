// Package postgres is the [livechat.Storage] for several nodes: the
// chat's data in a PostgreSQL database (12 or newer), through pgx.
//
//	store, err := postgres.Open(ctx, "postgres://chat@db:5432/chat")
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//
// [Open] connects with its own pool; [New] takes a pool the host already
// has and leaves it open on Close. Both keep the tables in one schema,
// [DefaultSchema] ("livechat") unless [WithSchema] names another, so that
// the chat's tables stay apart from the host's and several deployments can
// share one database. The schema is created when missing (which needs the
// CREATE privilege on the database; a host may create it beforehand
// instead) and migrated with the migrations embedded in this package,
// recorded in its schema_migrations table. The migrations run in one
// transaction under an advisory lock of the schema, so nodes that start
// together apply each exactly once. A schema written by a newer version of
// the package is refused with [ErrSchemaTooNew] rather than misread.
//
// Every node may write at once; the database keeps the interface's
// guarantees, not a lock in the process:
//
//   - AppendMessage is one statement that increments the conversation's
//     last sequence number (its row lock orders the appends to one
//     conversation) and inserts the message; a unique index on the client
//     key makes a resend, however it races, return the original.
//   - AppendMessageIf, the Handler's append, is the same statement with
//     its condition in the update's WHERE. An append runs at once, in a
//     round trip of its own, unless four of the Store's are in flight:
//     then it waits, and the appends that wait go together in one batch,
//     which PostgreSQL runs as one transaction with one commit, in the
//     order of their conversations' ids, so that two batches (and
//     EraseVisitor, which locks in the same order) never wait for each
//     other's row locks in a cycle. When the database refuses one append
//     of a batch, or the batch waits 250 ms for a row lock, nothing of the
//     batch is stored and each append runs again on its own, so that only
//     that one fails or waits.
//   - AssignConversation counts and assigns under an advisory lock of the
//     agent, so an agent's capacity holds across nodes.
//   - ClaimConversation does the same and also locks the conversation's
//     row and assigns only while it is open and unassigned, so a waiting
//     conversation is handed out once however many nodes route it.
//   - PutChatflow compares and sets the version in one statement.
//
// Errors wrap the domain's sentinels ([livechat.ErrNotFound],
// [livechat.ErrConflict], [livechat.ErrAtCapacity], [livechat.ErrInvalid]
// for a value the database cannot hold, such as a NUL byte in a text, and
// [livechat.ErrClosed]).
//
// Times are stored as timestamptz and come back in UTC, to the
// microsecond, for the years 1 to 9999; the zero time is stored as NULL
// and comes back as the zero time. Ids sort in byte order, as Go compares
// strings, whatever the database's collation.
package postgres
