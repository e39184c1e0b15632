// Package storagetest is the conformance suite for [livechat.Storage]
// implementations, in the manner of testing/fstest.TestFS: an adapter's own
// test calls [Run] with a function that returns a fresh, empty store, and
// an adapter that persists its data also calls [RunReopen], and one whose
// stores several nodes share calls [RunShared] with two stores on one
// database.
//
//	func TestStorage(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) livechat.Storage {
//			return mystore.New()
//		})
//	}
//
// Run closes every store it is given when the subtest that asked for it
// ends, so newStore must not close it; a store that lives in a directory
// from t.TempDir is closed before the directory is removed.
//
// # What the suite expects beyond the interface's documentation
//
//   - Times: a stored time comes back as the same instant to at least the
//     millisecond. Location and anything below the millisecond may be
//     lost: the suite truncates both sides to the millisecond and compares
//     in UTC. The zero time must come back as the zero time
//     ([time.Time.IsZero]).
//   - "Ordered by ID" is byte order, as Go compares strings ("B" < "a").
//   - Nil and empty slices and maps are equal: a store may return either.
//     The order of the elements of a slice field (Agent.TeamIDs, ...) is
//     kept.
//   - ChatflowRecord.Data comes back as equivalent JSON; a store may
//     re-encode it.
//   - Returned values are copies: mutating a returned struct, or one passed
//     in after the call, does not change what is stored.
//   - An empty Contact.Email never conflicts with another empty one, and
//     ContactByEmail("") is ErrNotFound. Emails differing in ASCII case are
//     the same email; other Unicode case folding is not tested.
//   - ReadMarks of a missing conversation returns ErrNotFound or no marks;
//     the order of the marks is not tested.
//   - ConversationFilter.After holds times as the store returned them
//     (see above): a cursor made by CursorAfter from a listed conversation
//     must place the next page right after that conversation.
//   - After Close, every method returns an error wrapping
//     [livechat.ErrClosed].
//   - The suite waits on concurrent calls for ten seconds at most, so a
//     store must not deadlock or retry without end under contention (a
//     SQL store must handle its own busy or serialization errors).
//
// What the interface leaves open is not tested: whether AppendMessage
// modifies its argument, whether it moves Conversation.UpdatedAt, what
// Messages does with a limit below 1, whether SetReadMark with the stored
// Seq refreshes UpdatedAt, and whether a mark may pass the conversation's
// LastSeq.
//
// A store that is also a [livechat.ConditionalAppender] has its
// AppendMessageIf checked too (the tests skip other stores): appends to a
// conversation that meets the condition, refusals with ErrConflict that
// store nothing (another visitor's conversation, a closed one, an excepted
// chatflow, also for a repeat of the client key), ErrNotFound for an
// unknown conversation, repeats that return the original, the
// conversation returned with LastSeq and UpdatedAt moved, and dense
// sequence numbers under concurrent appends mixed with AppendMessage (also
// under [RunShared]).
//
// A store that is also a [livechat.TeamDeleter] has its DeleteTeam
// checked too (the tests skip other stores): it removes that team only,
// changes no agent, returns ErrNotFound for an unknown team, and a team
// put again after it was deleted is stored anew.
//
// A message's Attachment must come back as it was stored, and a store
// that is also a [livechat.FileIndex] has its file records checked
// (the tests skip other stores): put once, read back as copies, deleted,
// listed per visitor oldest first, and erased with their conversations by
// EraseVisitor.
//
// A store that is also a [livechat.PageViewRecorder] has its page views
// checked (the tests skip other stores): listed per conversation in the
// order added, only the newest keep kept, ErrNotFound for an unknown
// conversation, ErrInvalid for keep below 1, and erased with their
// conversations by EraseVisitor.
//
// A store that is also a [livechat.SavedReplyStore] has its saved replies
// checked too (the tests skip other stores): listed by shortcut in byte
// order, ErrConflict for a taken id or shortcut (on create and update),
// ErrNotFound for an unknown one, nothing changed by a refused call, and
// a deleted reply's shortcut free again.
//
// A store that is also a [livechat.StateChanger] has ChangeState and
// DueSnoozes checked (the tests skip other stores): changes allowed by
// From, refusals with ErrConflict and ErrInvalid that change nothing,
// ClosedAt and SnoozedUntil set and cleared, a wake-up (DueBy) that
// succeeds once, SnoozedUntil kept by UpdateConversation and listed by
// Conversations, due snoozes earliest first, and each of many concurrent
// wake-ups of the same snoozes succeeding exactly once (also under
// [RunShared]). Every store is checked for ConversationFilter.AssigneeIDs.
//
// A store that is also a [livechat.MessageSearcher] has
// SearchConversations checked (the tests skip other stores): letters A
// to Z in either case, substrings, non-ASCII text as written, "%", "_"
// and "\" taken literally, system messages left out, every filter field,
// Limit and After as for Conversations, and each match with the
// conversation's newest matching message.
//
// Tests do not run in parallel and each closes its store before the next
// asks for one, so newStore may hand out stores backed by one database as
// long as each starts empty.
//
// # Several nodes
//
// [RunShared] runs the concurrency tests with their calls spread over two
// stores on the same data, as two nodes behind a load balancer make them.
// A store passes it only if it keeps its guarantees in the database
// (row locks, unique constraints, atomic updates) rather than in a lock of
// the process.
package storagetest
