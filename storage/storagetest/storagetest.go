package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// callTimeout bounds each subtest's context, and waitTimeout how long the
// concurrency tests wait for their goroutines: a store that deadlocks fails
// instead of hanging the test binary. They are bounds for a deadlock, not
// for speed: a concurrency test queues hundreds of writes behind a
// single-writer store (SQLite), and under -race on a busy machine those take
// tens of seconds, so waitTimeout and concurrentContext allow minutes.
const (
	callTimeout = 10 * time.Second
	waitTimeout = 2 * time.Minute
)

// Run runs the conformance suite against the stores newStore returns.
// newStore is called once per subtest and must return an empty store; Run
// closes it when the subtest ends (see the package documentation).
func Run(t *testing.T, newStore func(t *testing.T) livechat.Storage) {
	t.Helper()
	s := &suite{newStore: newStore}
	t.Run("Visitors", s.visitors)
	t.Run("Contacts", s.contacts)
	t.Run("Agents", s.agents)
	t.Run("Teams", s.teams)
	t.Run("Conversations", s.conversations)
	t.Run("ConversationFilter", s.conversationFilter)
	t.Run("ConversationPaging", s.conversationPaging)
	t.Run("Messages", s.messages)
	t.Run("Idempotency", s.idempotency)
	t.Run("AppendMessageIf", s.appendIf)
	t.Run("ReadMarks", s.readMarks)
	t.Run("Assignment", s.assignment)
	t.Run("Claim", s.claim)
	t.Run("Surveys", s.surveys)
	t.Run("Consents", s.consents)
	t.Run("Erase", s.erase)
	t.Run("Files", s.files)
	t.Run("PageViews", s.pageViews)
	t.Run("Chatflows", s.chatflows)
	t.Run("SavedReplies", s.savedReplies)
	t.Run("Close", s.close)
	t.Run("States", s.states)
	t.Run("Search", s.search)
}

// RunShared runs the suite's concurrency tests against two stores that
// share one database, as two nodes do: concurrent appends to one
// conversation get unique, dense sequence numbers; concurrent resends of
// one client message id store one message; concurrent capacity-checked
// assignments never pass an agent's capacity; concurrent claims of one
// queue hand out each conversation exactly once; concurrent updates of one
// chatflow version, creates of contacts with one email, and read marks
// behave as with one store. The calls of each test alternate between the
// two stores, and its results are read through the store that did not
// write its fixtures.
//
// newPair is called once per subtest and must return two stores on the
// same data, which starts empty: two connection pools to one database,
// two handles of one file. RunShared closes both when the subtest ends. An
// adapter whose stores cannot share their data (storage/memory) does not
// call it.
func RunShared(t *testing.T, newPair func(t *testing.T) (a, b livechat.Storage)) {
	t.Helper()
	s := &suite{newPair: newPair}
	t.Run("DataIsShared", s.dataIsShared)
	t.Run("Messages", func(t *testing.T) {
		t.Run("ConcurrentAppendsGetDenseSeqs", s.concurrentAppends)
	})
	t.Run("AppendMessageIf", func(t *testing.T) {
		t.Run("ConcurrentAppendsGetDenseSeqs", s.concurrentAppendIf)
	})
	t.Run("Idempotency", func(t *testing.T) {
		t.Run("ConcurrentRepeatsStoreOne", s.concurrentRepeats)
		t.Run("ConcurrentMixOfRepeatsAndNewGetDenseSeqs", s.concurrentMix)
		t.Run("EmptyClientMsgIDIsNeverDeduplicated", s.concurrentEmptyClientMsgID)
	})
	t.Run("Assignment", func(t *testing.T) {
		t.Run("CapacityHoldsUnderConcurrency", s.concurrentAssign)
	})
	t.Run("States", func(t *testing.T) {
		t.Run("EachSnoozeWakesOnceUnderConcurrency", s.concurrentWakes)
	})
	t.Run("Claim", func(t *testing.T) {
		t.Run("EachConversationOnceUnderConcurrency", s.concurrentClaims)
	})
	t.Run("Contacts", func(t *testing.T) {
		t.Run("ConcurrentCreatesWithOneEmailStoreOne", s.concurrentContactCreates)
	})
	t.Run("ReadMarks", func(t *testing.T) {
		t.Run("ConcurrentMarksKeepHighest", s.concurrentReadMarks)
	})
	t.Run("Chatflows", func(t *testing.T) {
		t.Run("ConcurrentUpdatesOfOneVersionSucceedOnce", s.concurrentChatflowUpdates)
	})
}

type suite struct {
	newStore func(t *testing.T) livechat.Storage
	// newPair, set by RunShared, makes the two stores of a concurrency
	// test.
	newPair func(t *testing.T) (a, b livechat.Storage)
}

// shared is what a concurrency test runs on: under Run one store, under
// RunShared two on the same data.
type shared struct {
	setup  livechat.Storage // writes the fixtures
	check  livechat.Storage // reads the results
	stores []livechat.Storage
}

// on returns the store the i-th concurrent call uses.
func (sh shared) on(i int) livechat.Storage { return sh.stores[i%len(sh.stores)] }

// openShared returns the stores of a concurrency test, closed when t ends.
func (s *suite) openShared(t *testing.T) shared {
	t.Helper()
	if s.newPair == nil {
		st := s.open(t)
		return shared{setup: st, check: st, stores: []livechat.Storage{st}}
	}
	a, b := s.newPair(t)
	require.NotNil(t, a, "newPair returned a nil store")
	require.NotNil(t, b, "newPair returned a nil store")
	t.Cleanup(func() {
		assert.NoError(t, a.Close(), "Close")
		assert.NoError(t, b.Close(), "Close")
	})
	return shared{setup: a, check: b, stores: []livechat.Storage{a, b}}
}

// dataIsShared checks that what one store writes the other reads, and
// that sequences and idempotency keys carry over between them.
func (s *suite) dataIsShared(t *testing.T) {
	sh, ctx := s.openShared(t), testContext(t)
	a, b := sh.setup, sh.check
	v := newVisitor("visitor-1")
	require.NoError(t, a.CreateVisitor(ctx, v))
	got, err := b.Visitor(ctx, v.ID)
	require.NoError(t, err)
	requireVisitor(t, v, got)
	require.ErrorIs(t, b.CreateVisitor(ctx, v), livechat.ErrConflict)

	c := mustCreateConversation(t, a, "conv-1")
	first, created, err := a.AppendMessage(ctx, newMessage(c.ID, "client-1", "first"))
	require.NoError(t, err)
	require.True(t, created)
	again, created, err := b.AppendMessage(ctx, newMessage(c.ID, "client-1", "first, resent"))
	require.NoError(t, err)
	require.False(t, created, "a resend through the other store")
	requireMessage(t, first, again)
	second, created, err := b.AppendMessage(ctx, newMessage(c.ID, "client-2", "second"))
	require.NoError(t, err)
	require.True(t, created)
	require.EqualValues(t, 2, second.Seq)
	requireMessages(t, []*livechat.Message{first, second}, allMessages(t, a, c.ID))
}

// open returns a new store that is closed when t ends.
func (s *suite) open(t *testing.T) livechat.Storage {
	t.Helper()
	st := s.newStore(t)
	require.NotNil(t, st, "newStore returned nil")
	t.Cleanup(func() { assert.NoError(t, st.Close(), "Close") })
	return st
}

// testContext returns a context that ends with t, or after callTimeout.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// concurrentContext is testContext for a subtest whose calls queue behind
// each other: it ends with t, or after waitTimeout.
func concurrentContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// concurrently calls fn(0) ... fn(n-1) on n goroutines released at once and
// waits for them. fn must not call t.FailNow; it records its results for
// the caller to check.
func concurrently(t *testing.T, n int, fn func(i int)) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatalf("%d concurrent calls did not return within %v", n, waitTimeout)
	}
}

// base is the time every fixture derives from. It is not in UTC and has
// sub-millisecond digits, so that stores may drop both; the sub-millisecond
// part is below half a millisecond, so that rounding to the millisecond
// and truncating agree.
var base = time.Date(2024, time.May, 6, 7, 8, 9, 123_400_056, time.FixedZone("UTC+2", 2*60*60))

// at returns base plus the minutes.
func at(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }

func newVisitor(id string) *livechat.Visitor {
	return &livechat.Visitor{
		ID:         id,
		ContactID:  "contact-of-" + id,
		Language:   "de-CH",
		PageURL:    "https://example.com/pricing?plan=pro&x=%C3%A4#faq",
		UserAgent:  "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
		CreatedAt:  at(0),
		LastSeenAt: at(5),
	}
}

func newContact(id, email string) *livechat.Contact {
	return &livechat.Contact{
		ID:         id,
		Email:      email,
		Name:       "Zoë O'Brien \"ZO\"",
		Verified:   true,
		OwnerID:    "agent-1",
		Properties: map[string]string{"plan": "pro", "company": "Ünïcødé GmbH", "empty": ""},
		CreatedAt:  at(0),
		UpdatedAt:  at(1),
	}
}

func newAgent(id string) *livechat.Agent {
	return &livechat.Agent{
		ID:          id,
		Name:        "Agent " + id,
		Email:       id + "@example.com",
		AvatarURL:   "https://example.com/avatars/" + id + ".png",
		TeamIDs:     []string{"team-b", "team-a"},
		Skills:      []string{"german", "billing"},
		Capacity:    3,
		Permissions: []string{livechat.PermissionManageChatflows, "other"},
		HostFields:  []string{livechat.AgentFieldSkills, livechat.AgentFieldCapacity},
		Presence:    livechat.PresenceAvailable,
		UpdatedAt:   at(2),
	}
}

func newTeam(id string) *livechat.Team {
	return &livechat.Team{
		ID:        id,
		Name:      "Team " + id,
		AvatarURL: "https://example.com/teams/" + id + ".png",
		AgentIDs:  []string{"agent-2", "agent-1"},
		UpdatedAt: at(3),
	}
}

// newConversation returns an open, unassigned conversation updated at the
// minute.
func newConversation(id, visitorID string, updated int) *livechat.Conversation {
	return &livechat.Conversation{
		ID:         id,
		VisitorID:  visitorID,
		ChatflowID: "flow-welcome",
		Status:     livechat.StatusOpen,
		PageURL:    "https://example.com/start",
		Properties: map[string]string{"source": "pricing", "språk": "svenska"},
		CreatedAt:  at(0),
		UpdatedAt:  at(updated),
	}
}

// newMessage returns a visitor message with neither ID nor Seq.
func newMessage(conversationID, clientMsgID, text string) *livechat.Message {
	return &livechat.Message{
		ClientMsgID:    clientMsgID,
		ConversationID: conversationID,
		Sender:         livechat.SenderVisitor,
		AuthorID:       "visitor-1",
		AuthorName:     "Zoë",
		Text:           text,
		CreatedAt:      at(10),
	}
}

// chatflowData is a chatflow document, opaque to the store.
const chatflowData = `{"nodes":[{"id":"start","type":"message","text":"Hi 👋\nHow can we help?"}],"entry":"start","n":1.5}`

func newChatflow(id string) *livechat.ChatflowRecord {
	return &livechat.ChatflowRecord{
		ID:        id,
		Data:      json.RawMessage(chatflowData),
		UpdatedAt: at(4),
	}
}

// mustCreateConversation stores a conversation with the id.
func mustCreateConversation(t *testing.T, st livechat.Storage, id string) *livechat.Conversation {
	t.Helper()
	c := newConversation(id, "visitor-1", 1)
	require.NoError(t, st.CreateConversation(testContext(t), c), "CreateConversation(%q)", id)
	return c
}

// mustAppend appends n messages without ClientMsgID and returns them as
// stored.
func mustAppend(t *testing.T, st livechat.Storage, conversationID string, n int) []*livechat.Message {
	t.Helper()
	ctx := testContext(t)
	out := make([]*livechat.Message, 0, n)
	for i := range n {
		m, created, err := st.AppendMessage(ctx, newMessage(conversationID, "", fmt.Sprintf("message %d", i+1)))
		require.NoError(t, err, "AppendMessage")
		require.True(t, created, "AppendMessage created")
		out = append(out, m)
	}
	return out
}

// allMessages returns every message of the conversation.
func allMessages(t *testing.T, st livechat.Storage, conversationID string) []*livechat.Message {
	t.Helper()
	ms, err := st.Messages(testContext(t), conversationID, 0, 1<<20)
	require.NoError(t, err, "Messages(%q)", conversationID)
	return ms
}

// seqs returns the Seq of every message.
func seqs(ms []*livechat.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

// denseSeqs returns 1 ... n.
func denseSeqs(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}
