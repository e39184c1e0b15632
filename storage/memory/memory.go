package memory

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/golivechat/livechat"
)

// defaultConversationLimit is what ConversationFilter.Limit 0 means.
const defaultConversationLimit = 100

// Store is a [livechat.Storage] that keeps everything in memory. The zero
// value is not usable; call [New].
type Store struct {
	mu     sync.RWMutex
	closed bool

	visitors map[string]*livechat.Visitor
	contacts map[string]*livechat.Contact
	emails   map[string]string // folded email -> contact id
	agents   map[string]*livechat.Agent
	teams    map[string]*livechat.Team
	convs    map[string]*conversation
	// byVisitor holds each visitor's conversations (a conversation's
	// visitor never changes), so that the widget's calls do not read
	// every conversation.
	byVisitor map[string]map[string]*conversation
	// openByAgent counts each agent's open conversations, kept as
	// conversations are created, assigned, closed and erased.
	openByAgent map[string]int
	chatflows   map[string]*livechat.ChatflowRecord
	// consents holds consent records by visitor, in the order added.
	consents   map[string][]*livechat.ConsentRecord
	consentIDs map[string]bool
	replies    map[string]*livechat.SavedReply // by id, made on the first write
	// random holds bytes from crypto/rand for message ids, read 4 KiB at
	// a time rather than 16 bytes for every message; used under mu.
	random *bufio.Reader
	// files holds the records of attached files by id (files.go).
	files map[string]*livechat.File
}

// conversation is a stored conversation with everything that hangs off it.
type conversation struct {
	conv     livechat.Conversation
	messages messageLog
	marks    map[string]livechat.ReadMark // participant -> mark
	survey   *livechat.SurveyAnswer
	pages    []livechat.PageView // oldest first
}

// clientKey is what a client message id is unique within, besides the
// conversation: a sender's ids never collide with another sender's.
type clientKey struct {
	sender      livechat.SenderKind
	authorID    string
	clientMsgID string
}

func clientKeyOf(m *livechat.Message) clientKey {
	return clientKey{m.Sender, m.AuthorID, m.ClientMsgID}
}

var _ livechat.Storage = (*Store)(nil)

// newMessageID is a random (version 4) UUID; s.mu is held for writing.
func (s *Store) newMessageID() string {
	if s.random == nil {
		s.random = bufio.NewReaderSize(rand.Reader, 4096)
	}
	id, err := uuid.NewRandomFromReader(s.random)
	if err != nil {
		return uuid.NewString() // crypto/rand does not fail; if it did, as before
	}
	return id.String()
}

// New returns an empty Store. It is safe for concurrent use; every value
// passed in or returned is a deep copy, so callers may keep and mutate
// them freely.
func New() *Store {
	return &Store{
		visitors:    make(map[string]*livechat.Visitor),
		contacts:    make(map[string]*livechat.Contact),
		emails:      make(map[string]string),
		agents:      make(map[string]*livechat.Agent),
		teams:       make(map[string]*livechat.Team),
		convs:       make(map[string]*conversation),
		byVisitor:   make(map[string]map[string]*conversation),
		openByAgent: make(map[string]int),
		chatflows:   make(map[string]*livechat.ChatflowRecord),
		consents:    make(map[string][]*livechat.ConsentRecord),
		consentIDs:  make(map[string]bool),
	}
}

// Close drops the stored data. Every later call returns an error wrapping
// [livechat.ErrClosed]; closing again is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.visitors, s.contacts, s.emails = nil, nil, nil
	s.agents, s.teams, s.convs, s.byVisitor, s.chatflows = nil, nil, nil, nil, nil
	s.openByAgent = nil
	return nil
}

// read locks s for reading after checking ctx and that s is open. The
// caller must call s.mu.RUnlock when err is nil.
func (s *Store) read(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return fmt.Errorf("memory: %w", livechat.ErrClosed)
	}
	return nil
}

// write locks s for writing after checking ctx and that s is open. The
// caller must call s.mu.Unlock when err is nil.
func (s *Store) write(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("memory: %w", livechat.ErrClosed)
	}
	return nil
}

func notFound(kind, id string) error {
	return fmt.Errorf("memory: %s %q: %w", kind, id, livechat.ErrNotFound)
}

func nilArg(kind string) error {
	return fmt.Errorf("memory: nil %s: %w", kind, livechat.ErrInvalid)
}

// CreateVisitor stores a new visitor.
func (s *Store) CreateVisitor(ctx context.Context, v *livechat.Visitor) error {
	if v == nil {
		return nilArg("visitor")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.visitors[v.ID]; ok {
		return fmt.Errorf("memory: visitor %q exists: %w", v.ID, livechat.ErrConflict)
	}
	s.visitors[v.ID] = cloneVisitor(v)
	return nil
}

// Visitor returns the visitor with the id.
func (s *Store) Visitor(ctx context.Context, id string) (*livechat.Visitor, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	v, ok := s.visitors[id]
	if !ok {
		return nil, notFound("visitor", id)
	}
	return cloneVisitor(v), nil
}

// UpdateVisitor replaces a stored visitor.
func (s *Store) UpdateVisitor(ctx context.Context, v *livechat.Visitor) error {
	if v == nil {
		return nilArg("visitor")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.visitors[v.ID]; !ok {
		return notFound("visitor", v.ID)
	}
	s.visitors[v.ID] = cloneVisitor(v)
	return nil
}

// foldEmail is the key under which an email is unique.
func foldEmail(email string) string { return strings.ToLower(email) }

// CreateContact stores a new contact.
func (s *Store) CreateContact(ctx context.Context, c *livechat.Contact) error {
	if c == nil {
		return nilArg("contact")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.contacts[c.ID]; ok {
		return fmt.Errorf("memory: contact %q exists: %w", c.ID, livechat.ErrConflict)
	}
	if err := s.checkEmail(c); err != nil {
		return err
	}
	s.contacts[c.ID] = cloneContact(c)
	if c.Email != "" {
		s.emails[foldEmail(c.Email)] = c.ID
	}
	return nil
}

// checkEmail returns ErrConflict if another contact than c has c's email.
// Empty emails never conflict.
func (s *Store) checkEmail(c *livechat.Contact) error {
	if c.Email == "" {
		return nil
	}
	if id, ok := s.emails[foldEmail(c.Email)]; ok && id != c.ID {
		return fmt.Errorf("memory: contact email %q belongs to %q: %w", c.Email, id, livechat.ErrConflict)
	}
	return nil
}

// Contact returns the contact with the id.
func (s *Store) Contact(ctx context.Context, id string) (*livechat.Contact, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	c, ok := s.contacts[id]
	if !ok {
		return nil, notFound("contact", id)
	}
	return cloneContact(c), nil
}

// ContactByEmail finds a contact by email, case-insensitively.
func (s *Store) ContactByEmail(ctx context.Context, email string) (*livechat.Contact, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	id, ok := s.emails[foldEmail(email)]
	if !ok {
		return nil, notFound("contact with email", email)
	}
	return cloneContact(s.contacts[id]), nil
}

// UpdateContact replaces a stored contact.
func (s *Store) UpdateContact(ctx context.Context, c *livechat.Contact) error {
	if c == nil {
		return nilArg("contact")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	old, ok := s.contacts[c.ID]
	if !ok {
		return notFound("contact", c.ID)
	}
	if err := s.checkEmail(c); err != nil {
		return err
	}
	if old.Email != "" {
		delete(s.emails, foldEmail(old.Email))
	}
	if c.Email != "" {
		s.emails[foldEmail(c.Email)] = c.ID
	}
	s.contacts[c.ID] = cloneContact(c)
	return nil
}

// PutAgent creates or replaces an agent.
func (s *Store) PutAgent(ctx context.Context, a *livechat.Agent) error {
	if a == nil {
		return nilArg("agent")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	c := cloneAgent(a)
	if old, ok := s.agents[a.ID]; ok && old.LastSeenAt.After(c.LastSeenAt) {
		c.LastSeenAt = old.LastSeenAt
	}
	s.agents[a.ID] = c
	return nil
}

// TouchAgent moves the agent's LastSeenAt forward.
func (s *Store) TouchAgent(ctx context.Context, id string, at time.Time) error {
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return notFound("agent", id)
	}
	if at.After(a.LastSeenAt) {
		a.LastSeenAt = at
	}
	return nil
}

// Agent returns the agent with the id.
func (s *Store) Agent(ctx context.Context, id string) (*livechat.Agent, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	a, ok := s.agents[id]
	if !ok {
		return nil, notFound("agent", id)
	}
	return cloneAgent(a), nil
}

// Agents returns every agent, ordered by ID.
func (s *Store) Agents(ctx context.Context) ([]*livechat.Agent, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return sortedByID(s.agents, cloneAgent), nil
}

// PutTeam creates or replaces a team.
func (s *Store) PutTeam(ctx context.Context, t *livechat.Team) error {
	if t == nil {
		return nilArg("team")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.teams[t.ID] = cloneTeam(t)
	return nil
}

// Team returns the team with the id.
func (s *Store) Team(ctx context.Context, id string) (*livechat.Team, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	t, ok := s.teams[id]
	if !ok {
		return nil, notFound("team", id)
	}
	return cloneTeam(t), nil
}

// Teams returns every team, ordered by ID.
func (s *Store) Teams(ctx context.Context) ([]*livechat.Team, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return sortedByID(s.teams, cloneTeam), nil
}

var _ livechat.TeamDeleter = (*Store)(nil)

// DeleteTeam removes a team. Returns livechat.ErrNotFound.
func (s *Store) DeleteTeam(ctx context.Context, id string) error {
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.teams[id]; !ok {
		return notFound("team", id)
	}
	delete(s.teams, id)
	return nil
}

// CreateConversation stores a new conversation with LastSeq 0.
func (s *Store) CreateConversation(ctx context.Context, c *livechat.Conversation) error {
	if c == nil {
		return nilArg("conversation")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.convs[c.ID]; ok {
		return fmt.Errorf("memory: conversation %q exists: %w", c.ID, livechat.ErrConflict)
	}
	cv := &conversation{
		conv:  cloneConversation(c),
		marks: make(map[string]livechat.ReadMark),
	}
	cv.conv.LastSeq = 0
	s.convs[c.ID] = cv
	if s.byVisitor[c.VisitorID] == nil {
		s.byVisitor[c.VisitorID] = make(map[string]*conversation)
	}
	s.byVisitor[c.VisitorID][c.ID] = cv
	s.countOpen(&cv.conv, 1)
	return nil
}

// Conversation returns the conversation with the id.
func (s *Store) Conversation(ctx context.Context, id string) (*livechat.Conversation, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	cv, ok := s.convs[id]
	if !ok {
		return nil, notFound("conversation", id)
	}
	c := cloneConversation(&cv.conv)
	return &c, nil
}

// cloneConversation copies c deeply.
func cloneConversation(c *livechat.Conversation) livechat.Conversation {
	d := *c
	d.Properties = maps.Clone(c.Properties)
	return d
}

// countOpen adds d to the open count of c's assignee, when c is open and
// assigned.
func (s *Store) countOpen(c *livechat.Conversation, d int) {
	if c.AssigneeID == "" || c.Status != livechat.StatusOpen {
		return
	}
	if n := s.openByAgent[c.AssigneeID] + d; n > 0 {
		s.openByAgent[c.AssigneeID] = n
	} else {
		delete(s.openByAgent, c.AssigneeID)
	}
}

// Conversations lists conversations matching f, newest update first; ties
// are broken by ID so that the order is stable.
func (s *Store) Conversations(ctx context.Context, f livechat.ConversationFilter) ([]*livechat.Conversation, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return s.conversations(f, ""), nil
}

// conversations lists conversations matching f and, when text is not
// empty, holding a message that contains it; s.mu is held.
func (s *Store) conversations(f livechat.ConversationFilter, text string) []*livechat.Conversation {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultConversationLimit
	}
	order := func(a, b *livechat.Conversation) int {
		if f.OldestFirst {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
		} else if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	var after *livechat.Conversation
	if f.After != nil {
		after = &livechat.Conversation{ID: f.After.ID, CreatedAt: f.After.At, UpdatedAt: f.After.At}
	}
	out := make([]*livechat.Conversation, 0, min(limit, 64))
	from := s.convs
	if f.VisitorID != "" {
		from = s.byVisitor[f.VisitorID]
	}
	for _, cv := range from {
		c := &cv.conv // read in place: only what is returned is copied
		if !f.Match(c) || after != nil && order(c, after) <= 0 || text != "" && s.newestMatch(cv, text) < 0 {
			continue
		}
		// out holds the first limit in order: a conversation that comes
		// after all of a full out is passed over with one comparison.
		if len(out) == limit && order(c, out[limit-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, c, order)
		if len(out) == limit {
			out = out[:limit-1]
		}
		out = slices.Insert(out, i, c)
	}
	copies := make([]livechat.Conversation, len(out))
	for i, c := range out {
		copies[i] = cloneConversation(c)
		out[i] = &copies[i]
	}
	return out
}

// UpdateConversation replaces the mutable fields of a stored conversation.
func (s *Store) UpdateConversation(ctx context.Context, c *livechat.Conversation) error {
	if c == nil {
		return nilArg("conversation")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[c.ID]
	if !ok {
		return notFound("conversation", c.ID)
	}
	s.countOpen(&cv.conv, -1)
	cv.conv.Status = c.Status
	cv.conv.AssigneeID = c.AssigneeID
	s.countOpen(&cv.conv, 1)
	cv.conv.ChatflowID = c.ChatflowID
	cv.conv.Properties = maps.Clone(c.Properties)
	cv.conv.UpdatedAt = c.UpdatedAt
	cv.conv.ClosedAt = c.ClosedAt
	cv.conv.SnoozedUntil = c.SnoozedUntil
	return nil
}

// AssignConversation sets the assignee when the agent is below capacity.
func (s *Store) AssignConversation(ctx context.Context, conversationID, agentID string, capacity int, at time.Time) (*livechat.Conversation, error) {
	if err := s.write(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[conversationID]
	if !ok {
		return nil, notFound("conversation", conversationID)
	}
	if agentID != "" && capacity > 0 && cv.conv.AssigneeID != agentID {
		if open := s.openByAgent[agentID]; open >= capacity { // cv is not among them
			return nil, fmt.Errorf("memory: agent %q has %d open conversations: %w", agentID, open, livechat.ErrAtCapacity)
		}
	}
	s.countOpen(&cv.conv, -1)
	cv.conv.AssigneeID = agentID
	s.countOpen(&cv.conv, 1)
	cv.conv.UpdatedAt = at
	c := cloneConversation(&cv.conv)
	return &c, nil
}

// ClaimConversation assigns a waiting conversation when the agent is below
// capacity; the check and the assignment happen under the store's lock.
func (s *Store) ClaimConversation(ctx context.Context, conversationID, agentID string, capacity int, at time.Time) (*livechat.Conversation, error) {
	if agentID == "" {
		return nil, fmt.Errorf("memory: claim conversation %q: %w: empty agent id", conversationID, livechat.ErrInvalid)
	}
	if err := s.write(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[conversationID]
	if !ok {
		return nil, notFound("conversation", conversationID)
	}
	if cv.conv.Status != livechat.StatusOpen || cv.conv.AssigneeID != "" {
		return nil, fmt.Errorf("memory: conversation %q is %s, assigned to %q: %w",
			conversationID, cv.conv.Status, cv.conv.AssigneeID, livechat.ErrConflict)
	}
	if capacity > 0 {
		if open := s.openByAgent[agentID]; open >= capacity {
			return nil, fmt.Errorf("memory: agent %q has %d open conversations: %w", agentID, open, livechat.ErrAtCapacity)
		}
	}
	s.countOpen(&cv.conv, -1)
	cv.conv.AssigneeID = agentID
	s.countOpen(&cv.conv, 1)
	cv.conv.UpdatedAt = at
	c := cloneConversation(&cv.conv)
	return &c, nil
}

// OpenCounts counts open conversations per assignee.
func (s *Store) OpenCounts(ctx context.Context) (map[string]int, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make(map[string]int, len(s.openByAgent))
	maps.Copy(out, s.openByAgent)
	return out, nil
}

// AppendMessage adds m to its conversation with the next Seq. It assigns a
// random UUID when m.ID is empty and the current time when m.CreatedAt is
// zero. m itself is not modified; the stored copy is returned.
func (s *Store) AppendMessage(ctx context.Context, m *livechat.Message) (*livechat.Message, bool, error) {
	if m == nil {
		return nil, false, nilArg("message")
	}
	if err := s.write(ctx); err != nil {
		return nil, false, err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[m.ConversationID]
	if !ok {
		return nil, false, notFound("conversation", m.ConversationID)
	}
	return s.appendLocked(cv, m)
}

var _ livechat.ConditionalAppender = (*Store)(nil)

// AppendMessageIf is AppendMessage when the conversation meets cond,
// checked under the same lock, and returns a copy of the conversation
// after the append. It returns livechat.ErrConflict, storing nothing,
// when the conversation does not meet cond.
func (s *Store) AppendMessageIf(ctx context.Context, m *livechat.Message, cond livechat.AppendCondition) (*livechat.Message, *livechat.Conversation, bool, error) {
	if m == nil {
		return nil, nil, false, nilArg("message")
	}
	if err := s.write(ctx); err != nil {
		return nil, nil, false, err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[m.ConversationID]
	if !ok {
		return nil, nil, false, notFound("conversation", m.ConversationID)
	}
	if !cond.Match(&cv.conv) {
		return nil, nil, false, fmt.Errorf("memory: conversation %q does not meet the condition of the append: %w", m.ConversationID, livechat.ErrConflict)
	}
	stored, created, err := s.appendLocked(cv, m)
	if err != nil {
		return nil, nil, false, err
	}
	c := cloneConversation(&cv.conv)
	return stored, &c, created, nil
}

// appendLocked appends m to cv, or returns the message stored under its
// client key, with s.mu held for writing.
func (s *Store) appendLocked(cv *conversation, m *livechat.Message) (*livechat.Message, bool, error) {
	var h uint64
	if m.ClientMsgID != "" {
		k := clientKeyOf(m)
		h = hashClientKey(k)
		if i := cv.messages.byClientKey(k, h); i >= 0 {
			return cv.messages.message(m.ConversationID, i), false, nil
		}
	}
	if !fits(m) {
		return nil, false, fmt.Errorf("memory: message of 4 GiB or more: %w", livechat.ErrInvalid)
	}
	stored := *m
	if a := m.Attachment; a != nil {
		c := *a
		stored.Attachment = &c
	}
	if stored.ID == "" {
		stored.ID = s.newMessageID()
	}
	if stored.CreatedAt.IsZero() {
		stored.CreatedAt = time.Now().UTC()
	}
	stored.Seq = cv.conv.LastSeq + 1
	cv.conv.LastSeq = stored.Seq
	if stored.CreatedAt.After(cv.conv.UpdatedAt) {
		cv.conv.UpdatedAt = stored.CreatedAt
	}
	cv.messages.add(&stored, h)
	return &stored, true, nil
}

// MessageByClientID returns the message AppendMessage stored under the
// client key.
func (s *Store) MessageByClientID(ctx context.Context, conversationID string, sender livechat.SenderKind, authorID, clientMsgID string) (*livechat.Message, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	cv, ok := s.convs[conversationID]
	if !ok {
		return nil, notFound("conversation", conversationID)
	}
	k := clientKey{sender, authorID, clientMsgID}
	i := cv.messages.byClientKey(k, hashClientKey(k))
	if i < 0 || clientMsgID == "" {
		return nil, notFound("message", clientMsgID)
	}
	return cv.messages.message(conversationID, i), nil
}

// Messages returns up to limit messages with Seq greater than afterSeq, in
// Seq order. A limit below 1 returns none.
func (s *Store) Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]*livechat.Message, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	cv, ok := s.convs[conversationID]
	if !ok {
		return nil, notFound("conversation", conversationID)
	}
	// Seqs are dense from 1, so messages[afterSeq] is the first one wanted.
	n := int64(cv.messages.len())
	start := min(max(afterSeq, 0), n)
	end := min(n, start+int64(max(limit, 0)))
	out := make([]*livechat.Message, 0, end-start)
	for i := start; i < end; i++ {
		out = append(out, cv.messages.message(conversationID, int(i)))
	}
	return out, nil
}

// SetReadMark moves the participant's mark forward to mark.Seq, filling a
// zero UpdatedAt with the current time, and returns the stored mark.
func (s *Store) SetReadMark(ctx context.Context, mark livechat.ReadMark) (livechat.ReadMark, error) {
	if err := s.write(ctx); err != nil {
		return livechat.ReadMark{}, err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[mark.ConversationID]
	if !ok {
		return livechat.ReadMark{}, notFound("conversation", mark.ConversationID)
	}
	if old, ok := cv.marks[mark.Participant]; ok && mark.Seq <= old.Seq {
		return old, nil
	}
	if mark.UpdatedAt.IsZero() {
		mark.UpdatedAt = time.Now().UTC()
	}
	cv.marks[mark.Participant] = mark
	return mark, nil
}

// ReadMarks returns every participant's mark in the conversation, ordered
// by participant. Returns ErrNotFound if the conversation does not exist.
func (s *Store) ReadMarks(ctx context.Context, conversationID string) ([]livechat.ReadMark, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	cv, ok := s.convs[conversationID]
	if !ok {
		return nil, notFound("conversation", conversationID)
	}
	out := slices.Collect(maps.Values(cv.marks))
	slices.SortFunc(out, func(a, b livechat.ReadMark) int { return cmp.Compare(a.Participant, b.Participant) })
	return out, nil
}

// Chatflows returns every stored chatflow, ordered by ID.
func (s *Store) Chatflows(ctx context.Context) ([]*livechat.ChatflowRecord, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return sortedByID(s.chatflows, cloneChatflow), nil
}

// Chatflow returns one chatflow.
func (s *Store) Chatflow(ctx context.Context, id string) (*livechat.ChatflowRecord, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	rec, ok := s.chatflows[id]
	if !ok {
		return nil, notFound("chatflow", id)
	}
	return cloneChatflow(rec), nil
}

// PutChatflow creates (version 0) or updates (version is the stored one) a
// chatflow. rec.Version is ignored.
func (s *Store) PutChatflow(ctx context.Context, rec *livechat.ChatflowRecord, version int64) (*livechat.ChatflowRecord, error) {
	if rec == nil {
		return nil, nilArg("chatflow")
	}
	if err := s.write(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	old, ok := s.chatflows[rec.ID]
	switch {
	case version == 0 && ok:
		return nil, fmt.Errorf("memory: chatflow %q exists: %w", rec.ID, livechat.ErrConflict)
	case version != 0 && !ok:
		return nil, notFound("chatflow", rec.ID)
	case version != 0 && old.Version != version:
		return nil, fmt.Errorf("memory: chatflow %q is at version %d, not %d: %w",
			rec.ID, old.Version, version, livechat.ErrConflict)
	}
	stored := cloneChatflow(rec)
	stored.Version = version + 1
	s.chatflows[rec.ID] = stored
	return cloneChatflow(stored), nil
}

// DeleteChatflow removes a chatflow.
func (s *Store) DeleteChatflow(ctx context.Context, id string) error {
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.chatflows[id]; !ok {
		return notFound("chatflow", id)
	}
	delete(s.chatflows, id)
	return nil
}

func sortedByID[T any](m map[string]*T, clone func(*T) *T) []*T {
	out := make([]*T, 0, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		out = append(out, clone(m[id]))
	}
	return out
}

func cloneVisitor(v *livechat.Visitor) *livechat.Visitor {
	c := *v
	return &c
}

func cloneContact(c *livechat.Contact) *livechat.Contact {
	d := *c
	d.Properties = maps.Clone(c.Properties)
	return &d
}

func cloneAgent(a *livechat.Agent) *livechat.Agent {
	c := *a
	c.TeamIDs = slices.Clone(a.TeamIDs)
	c.Skills = slices.Clone(a.Skills)
	c.Permissions = slices.Clone(a.Permissions)
	c.HostFields = slices.Clone(a.HostFields)
	return &c
}

func cloneTeam(t *livechat.Team) *livechat.Team {
	c := *t
	c.AgentIDs = slices.Clone(t.AgentIDs)
	return &c
}

func cloneChatflow(r *livechat.ChatflowRecord) *livechat.ChatflowRecord {
	c := *r
	c.Data = bytes.Clone(r.Data)
	return &c
}

// PutSurvey stores a conversation's survey answer, once.
func (s *Store) PutSurvey(ctx context.Context, a *livechat.SurveyAnswer) error {
	if a == nil {
		return nilArg("survey answer")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	cv, ok := s.convs[a.ConversationID]
	if !ok {
		return notFound("conversation", a.ConversationID)
	}
	if cv.survey != nil {
		return fmt.Errorf("memory: conversation %q already has a survey answer: %w", a.ConversationID, livechat.ErrConflict)
	}
	c := *a
	cv.survey = &c
	return nil
}

// Survey returns a conversation's survey answer.
func (s *Store) Survey(ctx context.Context, conversationID string) (*livechat.SurveyAnswer, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	cv, ok := s.convs[conversationID]
	if !ok || cv.survey == nil {
		return nil, notFound("survey answer", conversationID)
	}
	c := *cv.survey
	return &c, nil
}

// AddConsent stores a consent record.
func (s *Store) AddConsent(ctx context.Context, r *livechat.ConsentRecord) error {
	if r == nil {
		return nilArg("consent record")
	}
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.consentIDs[r.ID] {
		return fmt.Errorf("memory: consent record %q exists: %w", r.ID, livechat.ErrConflict)
	}
	c := *r
	s.consents[r.VisitorID] = append(s.consents[r.VisitorID], &c)
	s.consentIDs[r.ID] = true
	return nil
}

// Consents returns a visitor's consent records, oldest first.
func (s *Store) Consents(ctx context.Context, visitorID string) ([]*livechat.ConsentRecord, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]*livechat.ConsentRecord, 0, len(s.consents[visitorID]))
	for _, r := range s.consents[visitorID] {
		c := *r
		out = append(out, &c)
	}
	return out, nil
}

// EraseVisitor deletes a visitor and everything of theirs.
func (s *Store) EraseVisitor(ctx context.Context, visitorID string, consentsBefore time.Time) error {
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(s.visitors, visitorID)
	s.eraseFiles(s.byVisitor[visitorID])
	for id, cv := range s.byVisitor[visitorID] {
		s.countOpen(&cv.conv, -1)
		delete(s.convs, id)
	}
	delete(s.byVisitor, visitorID)
	var kept []*livechat.ConsentRecord
	for _, r := range s.consents[visitorID] {
		if r.At.Before(consentsBefore) {
			delete(s.consentIDs, r.ID)
		} else {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		delete(s.consents, visitorID)
	} else {
		s.consents[visitorID] = kept
	}
	return nil
}

// EraseContact deletes a contact and unlinks its visitors.
func (s *Store) EraseContact(ctx context.Context, contactID string) error {
	if err := s.write(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	c, ok := s.contacts[contactID]
	if !ok {
		return notFound("contact", contactID)
	}
	if c.Email != "" {
		delete(s.emails, foldEmail(c.Email))
	}
	delete(s.contacts, contactID)
	for _, v := range s.visitors {
		if v.ContactID == contactID {
			v.ContactID = ""
		}
	}
	for _, recs := range s.consents {
		for _, r := range recs {
			if r.ContactID == contactID {
				r.ContactID = ""
			}
		}
	}
	return nil
}
