package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golivechat/livechat"
	"github.com/google/uuid"
)

// defaultConversationLimit is the page size of Conversations when the
// filter's Limit is 0.
const defaultConversationLimit = 100

const conversationColumns = `id, visitor_id, chatflow_id, status, assignee_id, last_seq, page_url,
	created_at, updated_at, closed_at, properties, snoozed_until`

func scanConversation(row rowScanner) (*livechat.Conversation, error) {
	c := new(livechat.Conversation)
	err := row.Scan(&c.ID, &c.VisitorID, &c.ChatflowID, &c.Status, &c.AssigneeID, &c.LastSeq, &c.PageURL,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, timeCol{&c.ClosedAt}, jsonCol{&c.Properties}, timeCol{&c.SnoozedUntil})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CreateConversation stores a new conversation. LastSeq is ignored and
// stored as 0. Returns livechat.ErrConflict if the ID is taken.
func (s *Store) CreateConversation(ctx context.Context, c *livechat.Conversation) error {
	if c == nil {
		return nilArg("conversation")
	}
	op := fmt.Sprintf("create conversation %q", c.ID)
	if err := s.ready(); err != nil {
		return err
	}
	if err := validID("conversation", c.ID); err != nil {
		return s.fail(op, err)
	}
	var e encoder
	args := []any{c.ID, c.VisitorID, c.ChatflowID, string(c.Status), c.AssigneeID, 0, c.PageURL,
		e.time(c.CreatedAt), e.time(c.UpdatedAt), e.time(c.ClosedAt), e.json(c.Properties), e.time(c.SnoozedUntil)}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	_, err := s.exec(ctx, `INSERT INTO conversations (`+conversationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return s.fail(op, err)
}

// conversationByID selects a conversation.
const conversationByID = `SELECT ` + conversationColumns + ` FROM conversations WHERE id = ?`

// Conversation returns the conversation with the id. Returns
// livechat.ErrNotFound.
func (s *Store) Conversation(ctx context.Context, id string) (*livechat.Conversation, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	c, err := scanConversation(s.conversation.QueryRowContext(ctx, id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("conversation %q", id), err)
	}
	return c, nil
}

// Conversations lists the conversations matching f, newest update first
// (ties broken by ID), after f.After when set. A Limit of 0 or less means
// 100.
func (s *Store) Conversations(ctx context.Context, f livechat.ConversationFilter) ([]*livechat.Conversation, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	q, args, err := conversationsQuery(f, "")
	if err != nil {
		return nil, s.fail("conversations", err)
	}
	cs, err := queryAll(ctx, s.r, scanConversation, q, args...)
	return cs, s.fail("conversations", err)
}

// conversationsQuery is the statement and arguments of Conversations(f),
// or, with a text, of SearchConversations(f, text).
func conversationsQuery(f livechat.ConversationFilter, text string) (string, []any, error) {
	var where []string
	var args []any
	if text != "" {
		where = append(where, `EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id
			AND m.sender <> 'system' AND m.text LIKE ? ESCAPE '\')`)
		args = append(args, likePattern(text))
	}
	if f.VisitorID != "" {
		where, args = append(where, "visitor_id = ?"), append(args, f.VisitorID)
	}
	switch f.Status {
	case "":
	case livechat.StatusClosed:
		// A literal, so that the planner may use the partial index of
		// closed conversations by assignee.
		where = append(where, "status = 'closed'")
	default:
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	switch {
	case f.Unassigned:
		where = append(where, "assignee_id = ''")
	case f.AssigneeID != "":
		where, args = append(where, "assignee_id = ?"), append(args, f.AssigneeID)
	}
	if len(f.AssigneeIDs) > 0 && !f.Unassigned {
		where = append(where, "assignee_id IN (?"+strings.Repeat(", ?", len(f.AssigneeIDs)-1)+")")
		for _, id := range f.AssigneeIDs {
			args = append(args, id)
		}
	}
	if f.ChatflowID != "" {
		where, args = append(where, "chatflow_id = ?"), append(args, f.ChatflowID)
	}
	if f.After != nil {
		// The keyset of the order below; NULL is the zero time.
		var e encoder
		at := e.time(f.After.At)
		if e.err != nil {
			return "", nil, e.err
		}
		switch {
		case f.OldestFirst && at == nil:
			where, args = append(where, "(created_at IS NOT NULL OR id > ?)"), append(args, f.After.ID)
		case f.OldestFirst:
			where, args = append(where, "(created_at > ? OR (created_at = ? AND id > ?))"), append(args, at, at, f.After.ID)
		case at == nil:
			where, args = append(where, "(updated_at IS NULL AND id > ?)"), append(args, f.After.ID)
		default:
			where = append(where, "(updated_at < ? OR updated_at IS NULL OR (updated_at = ? AND id > ?))")
			args = append(args, at, at, f.After.ID)
		}
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if f.OldestFirst {
		q += ` ORDER BY created_at ASC NULLS FIRST, id LIMIT ?`
	} else {
		// NULL (the zero time) sorts last, as the oldest.
		q += ` ORDER BY updated_at DESC NULLS LAST, id LIMIT ?`
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultConversationLimit
	}
	return q, append(args, limit), nil
}

// UpdateConversation replaces the mutable fields of a stored conversation:
// Status, AssigneeID, ChatflowID, Properties, UpdatedAt, ClosedAt and
// SnoozedUntil. Returns
// livechat.ErrNotFound.
func (s *Store) UpdateConversation(ctx context.Context, c *livechat.Conversation) error {
	if c == nil {
		return nilArg("conversation")
	}
	op := fmt.Sprintf("update conversation %q", c.ID)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	args := []any{string(c.Status), c.AssigneeID, c.ChatflowID, e.json(c.Properties), e.time(c.UpdatedAt), e.time(c.ClosedAt), e.time(c.SnoozedUntil), c.ID}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	res, err := s.exec(ctx, `UPDATE conversations SET status = ?, assignee_id = ?, chatflow_id = ?,
		properties = ?, updated_at = ?, closed_at = ?, snoozed_until = ? WHERE id = ?`, args...)
	return s.fail(op, mustAffect(res, err))
}

// AssignConversation sets the assignee when the agent is below capacity;
// the count and the update run in one write transaction.
func (s *Store) AssignConversation(ctx context.Context, conversationID, agentID string, capacity int, at time.Time) (*livechat.Conversation, error) {
	op := fmt.Sprintf("assign conversation %q", conversationID)
	if err := s.ready(); err != nil {
		return nil, err
	}
	var e encoder
	atCol := e.time(at)
	if e.err != nil {
		return nil, s.fail(op, e.err)
	}
	var out *livechat.Conversation
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanConversation(tx.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, conversationID))
		if err != nil {
			return err
		}
		if agentID != "" && capacity > 0 && cur.AssigneeID != agentID {
			var open int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM conversations
				WHERE assignee_id = ? AND status = ? AND id <> ?`, agentID, string(livechat.StatusOpen), conversationID).Scan(&open); err != nil {
				return err
			}
			if open >= capacity {
				return fmt.Errorf("agent %q has %d open conversations: %w", agentID, open, livechat.ErrAtCapacity)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE conversations SET assignee_id = ?, updated_at = ? WHERE id = ?`,
			agentID, atCol, conversationID); err != nil {
			return err
		}
		cur.AssigneeID = agentID
		cur.UpdatedAt = at.UTC()
		out = cur
		return nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// ClaimConversation assigns a waiting conversation when the agent is below
// capacity. The read, the count and the update run in one write
// transaction, which holds the database's write lock from its start, so
// claims from every connection and process sharing the file run one after
// another; the update also repeats the condition, so it never takes a
// conversation that is no longer waiting.
func (s *Store) ClaimConversation(ctx context.Context, conversationID, agentID string, capacity int, at time.Time) (*livechat.Conversation, error) {
	op := fmt.Sprintf("claim conversation %q", conversationID)
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := validID("agent", agentID); err != nil {
		return nil, s.fail(op, err)
	}
	var e encoder
	atCol := e.time(at)
	if e.err != nil {
		return nil, s.fail(op, e.err)
	}
	openStatus := string(livechat.StatusOpen)
	var out *livechat.Conversation
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanConversation(tx.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, conversationID))
		if err != nil {
			return err
		}
		if cur.Status != livechat.StatusOpen || cur.AssigneeID != "" {
			return fmt.Errorf("conversation is %s, assigned to %q: %w", cur.Status, cur.AssigneeID, livechat.ErrConflict)
		}
		if capacity > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM conversations
				WHERE assignee_id = ? AND status = ?`, agentID, openStatus).Scan(&n); err != nil {
				return err
			}
			if n >= capacity {
				return fmt.Errorf("agent %q has %d open conversations: %w", agentID, n, livechat.ErrAtCapacity)
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE conversations SET assignee_id = ?, updated_at = ?
			WHERE id = ? AND assignee_id = '' AND status = ?`, agentID, atCol, conversationID, openStatus)
		if err := mustAffect(res, err); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("conversation is no longer waiting: %w", livechat.ErrConflict)
			}
			return err
		}
		cur.AssigneeID = agentID
		cur.UpdatedAt = at.UTC()
		out = cur
		return nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// OpenCounts counts open conversations per assignee.
func (s *Store) OpenCounts(ctx context.Context) (map[string]int, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT assignee_id, count(*) FROM conversations
		WHERE assignee_id <> '' AND status = ? GROUP BY assignee_id`, string(livechat.StatusOpen))
	if err != nil {
		return nil, s.fail("open counts", err)
	}
	defer rows.Close()
	out := make(map[string]int)
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, s.fail("open counts", err)
		}
		out[id] = n
	}
	return out, s.fail("open counts", rows.Err())
}

const messageColumns = `id, client_msg_id, conversation_id, seq, sender, author_id, author_name, text, code, created_at, attachment`

func scanMessage(row rowScanner) (*livechat.Message, error) {
	m := new(livechat.Message)
	err := row.Scan(&m.ID, &m.ClientMsgID, &m.ConversationID, &m.Seq, &m.Sender, &m.AuthorID, &m.AuthorName,
		&m.Text, &m.Code, timeCol{&m.CreatedAt}, attachmentCol{&m.Attachment})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// AppendMessage adds m to its conversation. The stored message is a copy
// of m with Seq set to the conversation's next number, ID set to a new
// UUID when empty and CreatedAt set to now when zero; m itself is not
// modified. The conversation's LastSeq becomes Seq and its UpdatedAt
// moves forward to CreatedAt. A new ID is a version 7 UUID, which begins
// with the time.
//
// Appends made at the same time share a write transaction (see the
// package documentation); AppendMessage returns after that transaction
// has committed. When ctx ends before the append has started, it stores
// nothing and returns ctx's error; once started, the append completes and
// AppendMessage returns its result.
//
// A repeat of a non-empty ClientMsgID by the same sender (Sender and
// AuthorID) in the same conversation stores nothing and returns the
// original message with created false. Returns
// livechat.ErrNotFound if the conversation does not exist, and
// livechat.ErrConflict if m.ID is already taken.
func (s *Store) AppendMessage(ctx context.Context, m *livechat.Message) (stored *livechat.Message, created bool, err error) {
	if m == nil {
		return nil, false, nilArg("message")
	}
	if err := s.ready(); err != nil {
		return nil, false, err
	}
	op := func() string { return fmt.Sprintf("append message to conversation %q", m.ConversationID) }
	r := &appendRequest{request: newRequest(), msg: *m}
	r.msg.Attachment = cloneAttachment(m.Attachment)
	if r.msg.ID == "" {
		// A version 7 UUID starts with the time: the messages appended
		// together go next to each other in the index of ids instead of
		// one page each.
		r.msg.ID = uuid.Must(uuid.NewV7()).String()
	}
	if r.msg.CreatedAt.IsZero() {
		r.msg.CreatedAt = s.now()
	}
	var e encoder
	r.createdAt = e.time(r.msg.CreatedAt)
	if e.err != nil {
		return nil, false, s.fail(op(), e.err)
	}
	stored, _, created, err = s.group.append(ctx, r)
	if err != nil {
		return nil, false, s.fail(op(), err)
	}
	return stored, created, nil
}

var _ livechat.ConditionalAppender = (*Store)(nil)

// AppendMessageIf is AppendMessage for a conversation that meets cond: it
// reads the conversation in the group transaction of the append, on the
// writer's connection, checks cond and appends with the sequence number
// that read gave. A message therefore costs no read on the query-only
// connections, whose cache every commit empties, as a read of the
// conversation before AppendMessage does. It returns
// livechat.ErrConflict, storing nothing, when the conversation does not
// meet cond (also for a repeat of the client key), and otherwise what
// AppendMessage returns, with the conversation after the append or, for a
// repeat, as stored.
func (s *Store) AppendMessageIf(ctx context.Context, m *livechat.Message, cond livechat.AppendCondition) (stored *livechat.Message, conv *livechat.Conversation, created bool, err error) {
	if m == nil {
		return nil, nil, false, nilArg("message")
	}
	if err := s.ready(); err != nil {
		return nil, nil, false, err
	}
	op := func() string { return fmt.Sprintf("append message to conversation %q", m.ConversationID) }
	r := &appendRequest{request: newRequest(), msg: *m, cond: &cond}
	r.msg.Attachment = cloneAttachment(m.Attachment)
	if r.msg.ID == "" {
		r.msg.ID = uuid.Must(uuid.NewV7()).String() // as in AppendMessage
	}
	if r.msg.CreatedAt.IsZero() {
		r.msg.CreatedAt = s.now()
	}
	var e encoder
	r.createdAt = e.time(r.msg.CreatedAt)
	if e.err != nil {
		return nil, nil, false, s.fail(op(), e.err)
	}
	stored, conv, created, err = s.group.append(ctx, r)
	if err != nil {
		return nil, nil, false, s.fail(op(), err)
	}
	return stored, conv, created, nil
}

// byClientKey selects the message with a client key, through the unique
// index messages_client_key.
const byClientKey = `SELECT ` + messageColumns + ` FROM messages
	WHERE conversation_id = ? AND sender = ? AND author_id = ? AND client_msg_id = ? AND client_msg_id <> ''`

// MessageByClientID returns the message stored under the client key.
// Returns livechat.ErrNotFound when there is none or clientMsgID is empty.
func (s *Store) MessageByClientID(ctx context.Context, conversationID string, sender livechat.SenderKind, authorID, clientMsgID string) (*livechat.Message, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	m, err := scanMessage(s.r.QueryRowContext(ctx, byClientKey, conversationID, string(sender), authorID, clientMsgID))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("message %q of conversation %q", clientMsgID, conversationID), err)
	}
	return m, nil
}

// Messages returns up to limit messages of the conversation with Seq
// greater than afterSeq, in Seq order; a limit below 1 returns none, as in
// storage/memory. Returns livechat.ErrNotFound if the conversation does not
// exist.
func (s *Store) Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]*livechat.Message, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	limit = max(limit, 0) // SQLite reads a negative LIMIT as no limit
	var ms []*livechat.Message
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := conversationExists(ctx, tx, conversationID); err != nil {
			return err
		}
		var err error
		ms, err = queryAll(ctx, tx, scanMessage, `SELECT `+messageColumns+` FROM messages
			WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`, conversationID, afterSeq, limit)
		return err
	})
	if err != nil {
		return nil, s.fail(fmt.Sprintf("messages of conversation %q", conversationID), err)
	}
	return ms, nil
}

// SetReadMark records that the participant read up to mark.Seq and returns
// the mark now stored. The mark only moves forward: a Seq not above the
// stored one changes nothing. A zero UpdatedAt is set to now. Returns
// livechat.ErrNotFound if the conversation does not exist.
//
// Like AppendMessage, it shares a write transaction with the writes made
// at the same time and returns after that transaction has committed; when
// ctx ends before the write has started, it stores nothing and returns
// ctx's error.
func (s *Store) SetReadMark(ctx context.Context, mark livechat.ReadMark) (livechat.ReadMark, error) {
	op := fmt.Sprintf("set read mark of %q in conversation %q", mark.Participant, mark.ConversationID)
	if err := s.ready(); err != nil {
		return livechat.ReadMark{}, err
	}
	if mark.Participant == "" {
		return livechat.ReadMark{}, s.fail(op, fmt.Errorf("%w: empty participant", livechat.ErrInvalid))
	}
	if mark.UpdatedAt.IsZero() {
		mark.UpdatedAt = s.now()
	}
	var e encoder
	updatedAt := e.time(mark.UpdatedAt)
	if e.err != nil {
		return livechat.ReadMark{}, s.fail(op, e.err)
	}
	stored, err := s.group.setReadMark(ctx, &readMarkRequest{request: newRequest(), mark: mark, updatedAt: updatedAt})
	if err != nil {
		return livechat.ReadMark{}, s.fail(op, err)
	}
	return stored, nil
}

func scanReadMark(row rowScanner) (livechat.ReadMark, error) {
	var m livechat.ReadMark
	err := row.Scan(&m.ConversationID, &m.Participant, &m.Seq, timeCol{&m.UpdatedAt})
	return m, err
}

// ReadMarks returns every participant's mark in the conversation, ordered
// by participant. Returns livechat.ErrNotFound if the conversation does not
// exist.
func (s *Store) ReadMarks(ctx context.Context, conversationID string) ([]livechat.ReadMark, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	var marks []livechat.ReadMark
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := conversationExists(ctx, tx, conversationID); err != nil {
			return err
		}
		var err error
		marks, err = queryAll(ctx, tx, scanReadMark, `SELECT conversation_id, participant, seq, updated_at
			FROM read_marks WHERE conversation_id = ? ORDER BY participant`, conversationID)
		return err
	})
	if err != nil {
		return nil, s.fail(fmt.Sprintf("read marks of conversation %q", conversationID), err)
	}
	return marks, nil
}

// conversationExists returns sql.ErrNoRows when the conversation does not
// exist.
func conversationExists(ctx context.Context, q querier, id string) error {
	var one int
	return q.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, id).Scan(&one)
}
