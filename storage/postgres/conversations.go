package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
)

// defaultConversationLimit is the page size of Conversations when the
// filter's Limit is 0.
const defaultConversationLimit = 100

const conversationColumns = `id, visitor_id, chatflow_id, status, assignee_id, last_seq, page_url,
	created_at, updated_at, closed_at, properties, snoozed_until`

func scanConversation(row pgx.Row) (*livechat.Conversation, error) {
	c := new(livechat.Conversation)
	var status string
	err := row.Scan(&c.ID, &c.VisitorID, &c.ChatflowID, &status, &c.AssigneeID, &c.LastSeq, &c.PageURL,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, timeCol{&c.ClosedAt}, &c.Properties, timeCol{&c.SnoozedUntil})
	if err != nil {
		return nil, err
	}
	c.Status = livechat.ConversationStatus(status)
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
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.conversations (`+conversationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`), args...)
	return s.fail(op, err)
}

// Conversation returns the conversation with the id. Returns
// livechat.ErrNotFound.
func (s *Store) Conversation(ctx context.Context, id string) (*livechat.Conversation, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	c, err := scanConversation(s.pool.QueryRow(ctx, s.q(`SELECT `+conversationColumns+` FROM {schema}.conversations WHERE id = $1`), id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("conversation %q", id), err)
	}
	return c, nil
}

// Conversations lists the conversations matching f, newest update first
// (or oldest creation first with f.OldestFirst), ties broken by ID, after
// f.After when set. A Limit of 0 or less means 100.
func (s *Store) Conversations(ctx context.Context, f livechat.ConversationFilter) ([]*livechat.Conversation, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	q, args, err := conversationsQuery(f, "")
	if err != nil {
		return nil, s.fail("conversations", err)
	}
	cs, err := queryAll(ctx, s.pool, scanConversation, s.q(q), args...)
	return cs, s.fail("conversations", err)
}

// conversationsQuery is the statement and arguments of Conversations(f),
// or, with a text, of SearchConversations(f, text).
func conversationsQuery(f livechat.ConversationFilter, text string) (string, []any, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if text != "" {
		where = append(where, `EXISTS (SELECT 1 FROM {schema}.messages m WHERE m.conversation_id = conversations.id
			AND m.sender <> 'system' AND m.text ILIKE `+arg(likePattern(text))+` ESCAPE '\')`)
	}
	if f.VisitorID != "" {
		where = append(where, "visitor_id = "+arg(f.VisitorID))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	switch {
	case f.Unassigned:
		where = append(where, "assignee_id = ''")
	case f.AssigneeID != "":
		where = append(where, "assignee_id = "+arg(f.AssigneeID))
	}
	if len(f.AssigneeIDs) > 0 && !f.Unassigned {
		where = append(where, "assignee_id = ANY("+arg(f.AssigneeIDs)+")")
	}
	if f.ChatflowID != "" {
		where = append(where, "chatflow_id = "+arg(f.ChatflowID))
	}
	if f.After != nil {
		// The keyset of the order below; NULL is the zero time.
		var e encoder
		at := e.time(f.After.At)
		if e.err != nil {
			return "", nil, e.err
		}
		id := arg(f.After.ID)
		switch {
		case f.OldestFirst && at == nil:
			where = append(where, "(created_at IS NOT NULL OR id > "+id+")")
		case f.OldestFirst:
			t := arg(at)
			where = append(where, "(created_at > "+t+" OR (created_at = "+t+" AND id > "+id+"))")
		case at == nil:
			where = append(where, "(updated_at IS NULL AND id > "+id+")")
		default:
			t := arg(at)
			where = append(where, "(updated_at < "+t+" OR updated_at IS NULL OR (updated_at = "+t+" AND id > "+id+"))")
		}
	}
	q := `SELECT ` + conversationColumns + ` FROM {schema}.conversations`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultConversationLimit
	}
	if f.OldestFirst {
		q += ` ORDER BY created_at ASC NULLS FIRST, id LIMIT ` + arg(limit)
	} else {
		// NULL (the zero time) sorts last, as the oldest.
		q += ` ORDER BY updated_at DESC NULLS LAST, id LIMIT ` + arg(limit)
	}
	return q, args, nil
}

// UpdateConversation replaces the mutable fields of a stored conversation:
// Status, AssigneeID, ChatflowID, Properties, UpdatedAt, ClosedAt and
// SnoozedUntil.
// Returns livechat.ErrNotFound.
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
	tag, err := s.pool.Exec(ctx, s.q(`UPDATE {schema}.conversations SET status = $1, assignee_id = $2, chatflow_id = $3,
		properties = $4, updated_at = $5, closed_at = $6, snoozed_until = $7 WHERE id = $8`), args...)
	return s.fail(op, mustAffect(tag, err))
}

// AssignConversation makes agentID the conversation's assignee when the
// agent has fewer than capacity other open conversations. With a
// capacity, the transaction first takes an advisory lock of the agent
// (pg_advisory_xact_lock), so that the count and the update of every
// capacity-checked assignment to that agent, from any node, run one after
// another; it then locks the conversation's row. Returns
// livechat.ErrNotFound, or livechat.ErrAtCapacity (nothing changed).
func (s *Store) AssignConversation(ctx context.Context, conversationID, agentID string, capacity int, at time.Time) (*livechat.Conversation, error) {
	op := fmt.Sprintf("assign conversation %q", conversationID)
	if err := s.ready(); err != nil {
		return nil, err
	}
	var e encoder
	atArg := e.time(at)
	if e.err != nil {
		return nil, s.fail(op, e.err)
	}
	checked := agentID != "" && capacity > 0
	var out *livechat.Conversation
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if checked {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey("livechat assign", s.schema, agentID)); err != nil {
				return err
			}
		}
		cur, err := scanConversation(tx.QueryRow(ctx, s.q(`SELECT `+conversationColumns+` FROM {schema}.conversations
			WHERE id = $1 FOR UPDATE`), conversationID))
		if err != nil {
			return err
		}
		if checked && cur.AssigneeID != agentID {
			var open int
			if err := tx.QueryRow(ctx, s.q(`SELECT count(*) FROM {schema}.conversations
				WHERE assignee_id = $1 AND status = $2 AND id <> $3`), agentID, string(livechat.StatusOpen), conversationID).Scan(&open); err != nil {
				return err
			}
			if open >= capacity {
				return fmt.Errorf("agent %q has %d open conversations: %w", agentID, open, livechat.ErrAtCapacity)
			}
		}
		out, err = scanConversation(tx.QueryRow(ctx, s.q(`UPDATE {schema}.conversations SET assignee_id = $1, updated_at = $2
			WHERE id = $3 RETURNING `+conversationColumns), agentID, atArg, conversationID))
		return err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// ClaimConversation assigns a waiting conversation when the agent is below
// capacity. With a capacity it takes the agent's advisory lock first, as
// AssignConversation does, so that counts and assignments to one agent
// from every node run one after another; it then locks the conversation's
// row, so that of concurrent claims of one conversation the first to lock
// it assigns it and the others find it taken. The update repeats the
// condition (open, no assignee), so it never takes a conversation that is
// no longer waiting.
func (s *Store) ClaimConversation(ctx context.Context, conversationID, agentID string, capacity int, at time.Time) (*livechat.Conversation, error) {
	op := fmt.Sprintf("claim conversation %q", conversationID)
	if err := s.ready(); err != nil {
		return nil, err
	}
	if err := validID("agent", agentID); err != nil {
		return nil, s.fail(op, err)
	}
	var e encoder
	atArg := e.time(at)
	if e.err != nil {
		return nil, s.fail(op, e.err)
	}
	openStatus := string(livechat.StatusOpen)
	var out *livechat.Conversation
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if capacity > 0 {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey("livechat assign", s.schema, agentID)); err != nil {
				return err
			}
		}
		var status, assignee string
		if err := tx.QueryRow(ctx, s.q(`SELECT status, assignee_id FROM {schema}.conversations
			WHERE id = $1 FOR UPDATE`), conversationID).Scan(&status, &assignee); err != nil {
			return err
		}
		if status != openStatus || assignee != "" {
			return fmt.Errorf("conversation is %s, assigned to %q: %w", status, assignee, livechat.ErrConflict)
		}
		if capacity > 0 {
			var n int
			if err := tx.QueryRow(ctx, s.q(`SELECT count(*) FROM {schema}.conversations
				WHERE assignee_id = $1 AND status = $2`), agentID, openStatus).Scan(&n); err != nil {
				return err
			}
			if n >= capacity {
				return fmt.Errorf("agent %q has %d open conversations: %w", agentID, n, livechat.ErrAtCapacity)
			}
		}
		var err error
		out, err = scanConversation(tx.QueryRow(ctx, s.q(`UPDATE {schema}.conversations SET assignee_id = $1, updated_at = $2
			WHERE id = $3 AND assignee_id = '' AND status = $4 RETURNING `+conversationColumns), agentID, atArg, conversationID, openStatus))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("conversation is no longer waiting: %w", livechat.ErrConflict)
		}
		return err
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
	type count struct {
		agent string
		n     int
	}
	counts, err := queryAll(ctx, s.pool, func(row pgx.Row) (count, error) {
		var c count
		err := row.Scan(&c.agent, &c.n)
		return c, err
	}, s.q(`SELECT assignee_id, count(*) FROM {schema}.conversations
		WHERE assignee_id <> '' AND status = $1 GROUP BY assignee_id`), string(livechat.StatusOpen))
	if err != nil {
		return nil, s.fail("open counts", err)
	}
	out := make(map[string]int, len(counts))
	for _, c := range counts {
		out[c.agent] = c.n
	}
	return out, nil
}

const messageColumns = `id, client_msg_id, conversation_id, seq, sender, author_id, author_name, text, code, created_at, attachment`

func scanMessage(row pgx.Row) (*livechat.Message, error) {
	m := new(livechat.Message)
	var sender string
	err := row.Scan(&m.ID, &m.ClientMsgID, &m.ConversationID, &m.Seq, &sender, &m.AuthorID, &m.AuthorName,
		&m.Text, &m.Code, timeCol{&m.CreatedAt}, attachmentCol{&m.Attachment})
	if err != nil {
		return nil, err
	}
	m.Sender = livechat.SenderKind(sender)
	return m, nil
}

// appendMessage is AppendMessage in one statement, so one round trip. It
// returns the message stored under the client key, if any, with created
// false; otherwise it takes the next sequence number by incrementing the
// conversation's last_seq (the row lock of that UPDATE orders concurrent
// appends to a conversation, on any node) and inserts the message with
// created true. No row means no conversation.
//
// Two first sends of one client key can both find no original; the later
// one then fails on the unique index messages_client_key, as a whole
// statement, so its increment is undone with it, and AppendMessage runs
// the statement again to return the original.
const appendMessage = `WITH original AS (
	SELECT ` + messageColumns + ` FROM {schema}.messages
	WHERE conversation_id = $1 AND sender = $2 AND author_id = $3 AND client_msg_id = $4 AND $4 <> ''
), next AS (
	UPDATE {schema}.conversations
	SET last_seq = last_seq + 1, updated_at = GREATEST(updated_at, $9::timestamptz)
	WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM original)
	RETURNING last_seq
), inserted AS (
	INSERT INTO {schema}.messages (` + messageColumns + `)
	SELECT $5::text, $4::text, $1::text, next.last_seq, $2::text, $3::text, $6::text, $7::text, $8::text, $9::timestamptz, $10::text
	FROM next
	RETURNING ` + messageColumns + `
)
SELECT ` + messageColumns + `, false FROM original
UNION ALL
SELECT ` + messageColumns + `, true FROM inserted`

// appendAttempts bounds the runs of appendMessage: a run fails on the
// client key only when another run stored that key meanwhile, and the
// next run returns what it stored.
const appendAttempts = 3

// newAppend is what AppendMessage and AppendMessageIf start from: a copy
// of m with its ID and CreatedAt set, CreatedAt as a column value, and the
// operation's name for errors.
func (s *Store) newAppend(m *livechat.Message) (msg livechat.Message, createdAt any, op string, err error) {
	op = fmt.Sprintf("append message to conversation %q", m.ConversationID)
	if err := s.ready(); err != nil {
		return msg, nil, op, err
	}
	msg = *m
	msg.Attachment = cloneAttachment(m.Attachment)
	if msg.ID == "" {
		msg.ID = uuid.NewString()
	}
	if msg.CreatedAt.IsZero() {
		msg.CreatedAt = s.now()
	}
	var e encoder
	createdAt = e.time(msg.CreatedAt)
	if e.err != nil {
		return msg, nil, op, s.fail(op, e.err)
	}
	return msg, createdAt, op, nil
}

// AppendMessage adds m to its conversation. The stored message is a copy
// of m with Seq set to the conversation's next number, ID set to a new
// UUID when empty and CreatedAt set to now when zero; m itself is not
// modified. The conversation's LastSeq becomes Seq, and its UpdatedAt
// moves forward to CreatedAt (never back).
//
// A repeat of a non-empty ClientMsgID by the same sender (Sender and
// AuthorID) in the same conversation stores nothing and returns the
// original message with created false, also when the two race on
// different nodes. Returns livechat.ErrNotFound if the conversation does
// not exist, and livechat.ErrConflict if m.ID is already taken.
func (s *Store) AppendMessage(ctx context.Context, m *livechat.Message) (stored *livechat.Message, created bool, err error) {
	if m == nil {
		return nil, false, nilArg("message")
	}
	msg, createdAt, op, err := s.newAppend(m)
	if err != nil {
		return nil, false, err
	}
	query := s.q(appendMessage)
	for range appendAttempts {
		row := s.pool.QueryRow(ctx, query, msg.ConversationID, string(msg.Sender), msg.AuthorID, msg.ClientMsgID,
			msg.ID, msg.AuthorName, msg.Text, msg.Code, createdAt, attachmentText(msg.Attachment))
		stored, created, err = scanAppended(row)
		if err == nil || !uniqueViolationOf(err, "messages_client_key") {
			break
		}
	}
	if err != nil {
		return nil, false, s.fail(op, err) // pgx.ErrNoRows: no conversation
	}
	return stored, created, nil
}

func scanAppended(row pgx.Row) (*livechat.Message, bool, error) {
	m := new(livechat.Message)
	var sender string
	var created bool
	err := row.Scan(&m.ID, &m.ClientMsgID, &m.ConversationID, &m.Seq, &sender, &m.AuthorID, &m.AuthorName,
		&m.Text, &m.Code, timeCol{&m.CreatedAt}, attachmentCol{&m.Attachment}, &created)
	if err != nil {
		return nil, false, err
	}
	m.Sender = livechat.SenderKind(sender)
	return m, created, nil
}

// appendMessageIf is appendMessage for a conversation that meets a
// condition ($10 the visitor, $11 the status it must not have, each empty
// for none,
// $12 the chatflows it must not be in; $13 is the attachment), in one
// statement. The condition is
// in the UPDATE's WHERE, which PostgreSQL evaluates again on the row's
// latest version once it holds the row's lock, so no change to the
// conversation can come between the check and the append. It returns the
// message inserted and the conversation after the update, or no row when
// nothing was inserted: no conversation, a conversation that does not
// meet the condition, or a repeat of the client key.
const appendMessageIf = `WITH original AS (
	SELECT 1 FROM {schema}.messages
	WHERE conversation_id = $1 AND sender = $2 AND author_id = $3 AND client_msg_id = $4 AND $4 <> ''
), next AS (
	UPDATE {schema}.conversations
	SET last_seq = last_seq + 1, updated_at = GREATEST(updated_at, $9::timestamptz)
	WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM original)
		AND ($10::text = '' OR visitor_id = $10::text)
		AND ($11::text = '' OR status <> $11::text)
		AND chatflow_id <> ALL($12::text[])
	RETURNING ` + conversationColumns + `
), inserted AS (
	INSERT INTO {schema}.messages (` + messageColumns + `)
	SELECT $5::text, $4::text, $1::text, next.last_seq, $2::text, $3::text, $6::text, $7::text, $8::text, $9::timestamptz, $13::text
	FROM next
	RETURNING ` + messageColumns + `
)
SELECT inserted.*, next.* FROM inserted, next`

var _ livechat.ConditionalAppender = (*Store)(nil)

// AppendMessageIf is AppendMessage when the conversation meets cond,
// checked atomically with the append by the row lock of the conversation's
// update, and returns the conversation after the append. An append that
// stores a message takes one round trip, or a share of one: while four
// appends are in flight, those that callers start go together in the next
// batch, one round trip and one commit for all (see the package
// documentation); when nothing is stored, a second
// query reads the conversation and, when it meets cond, a third the
// message stored under the client key. It returns livechat.ErrConflict,
// storing nothing, when the conversation does not meet cond (also for a
// repeat of the client key), and livechat.ErrNotFound when there is no
// conversation.
func (s *Store) AppendMessageIf(ctx context.Context, m *livechat.Message, cond livechat.AppendCondition) (*livechat.Message, *livechat.Conversation, bool, error) {
	if m == nil {
		return nil, nil, false, nilArg("message")
	}
	msg, createdAt, op, err := s.newAppend(m)
	if err != nil {
		return nil, nil, false, err
	}
	closed := ""
	if cond.NotClosed {
		closed = string(livechat.StatusClosed)
	}
	except := cond.ExceptChatflows
	if except == nil {
		except = []string{}
	}
	args := []any{msg.ConversationID, string(msg.Sender), msg.AuthorID,
		msg.ClientMsgID, msg.ID, msg.AuthorName, msg.Text, msg.Code, createdAt, cond.VisitorID, closed, except, attachmentText(msg.Attachment)}
	if !s.appends.lead() {
		// Others are in flight: go in the next batch with the appends
		// that wait.
		r := &batchedAppend{args: args, conv: msg.ConversationID, done: make(chan struct{})}
		if err := s.appends.wait(ctx, s, r); err != nil {
			return nil, nil, false, s.fail(op, err)
		}
		switch {
		case r.err != nil:
			return nil, nil, false, s.fail(op, r.err)
		case !r.alone:
			return r.stored, r.after, true, nil
		}
		// Nothing stored in the batch: run on its own, below.
	} else {
		defer s.appends.finished(s)
	}
	query := s.q(appendMessageIf)
	for range appendAttempts {
		var stored *livechat.Message
		var conv *livechat.Conversation
		stored, conv, err = scanAppendedIf(s.pool.QueryRow(ctx, query, args...))
		switch {
		case err == nil:
			return stored, conv, true, nil
		case uniqueViolationOf(err, "messages_client_key"):
			continue // another append stored the key meanwhile: the next run finds it
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, nil, false, s.fail(op, err)
		}
		// Nothing stored: say why.
		conv, err = s.Conversation(ctx, msg.ConversationID)
		if err != nil {
			return nil, nil, false, err
		}
		if !cond.Match(conv) {
			return nil, nil, false, fmt.Errorf("postgres: %s: the conversation does not meet the condition of the append: %w", op, livechat.ErrConflict)
		}
		if msg.ClientMsgID != "" {
			orig, err := s.MessageByClientID(ctx, msg.ConversationID, msg.Sender, msg.AuthorID, msg.ClientMsgID)
			switch {
			case err == nil:
				return orig, conv, false, nil
			case !errors.Is(err, livechat.ErrNotFound):
				return nil, nil, false, err
			}
		}
		// The conversation changed between the append and the reads: run
		// the append again.
		err = fmt.Errorf("the conversation changed during the append: %w", livechat.ErrConflict)
	}
	return nil, nil, false, s.fail(op, err)
}

// scanAppendedIf scans a row of appendMessageIf.
func scanAppendedIf(row pgx.Row) (*livechat.Message, *livechat.Conversation, error) {
	m, c := new(livechat.Message), new(livechat.Conversation)
	var sender, status string
	err := row.Scan(&m.ID, &m.ClientMsgID, &m.ConversationID, &m.Seq, &sender, &m.AuthorID, &m.AuthorName,
		&m.Text, &m.Code, timeCol{&m.CreatedAt}, attachmentCol{&m.Attachment},
		&c.ID, &c.VisitorID, &c.ChatflowID, &status, &c.AssigneeID, &c.LastSeq, &c.PageURL,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, timeCol{&c.ClosedAt}, &c.Properties, timeCol{&c.SnoozedUntil})
	if err != nil {
		return nil, nil, err
	}
	m.Sender = livechat.SenderKind(sender)
	c.Status = livechat.ConversationStatus(status)
	return m, c, nil
}

// MessageByClientID returns the message stored under the client key.
// Returns livechat.ErrNotFound when there is none or clientMsgID is empty.
func (s *Store) MessageByClientID(ctx context.Context, conversationID string, sender livechat.SenderKind, authorID, clientMsgID string) (*livechat.Message, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	m, err := scanMessage(s.pool.QueryRow(ctx, s.q(`SELECT `+messageColumns+` FROM {schema}.messages
		WHERE conversation_id = $1 AND sender = $2 AND author_id = $3 AND client_msg_id = $4 AND $4 <> ''`),
		conversationID, string(sender), authorID, clientMsgID))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("message %q of conversation %q", clientMsgID, conversationID), err)
	}
	return m, nil
}

// Messages returns up to limit messages of the conversation with Seq
// greater than afterSeq, in Seq order; a limit below 1 returns none.
// Returns livechat.ErrNotFound if the conversation does not exist.
func (s *Store) Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]*livechat.Message, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("messages of conversation %q", conversationID)
	ms, err := queryAll(ctx, s.pool, scanMessage, s.q(`SELECT `+messageColumns+` FROM {schema}.messages
		WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`), conversationID, afterSeq, max(limit, 0))
	if err == nil && len(ms) == 0 {
		err = s.conversationExists(ctx, s.pool, conversationID)
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return ms, nil
}

// SetReadMark records that the participant read up to mark.Seq and returns
// the mark now stored. The mark only moves forward: a Seq not above the
// stored one changes nothing. A zero UpdatedAt is set to now. Returns
// livechat.ErrNotFound if the conversation does not exist.
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
	// The insert fails on the foreign key when the conversation is
	// missing; when the stored mark is not lower, it returns no row and
	// the stored mark is read.
	stored, err := scanReadMark(s.pool.QueryRow(ctx, s.q(`INSERT INTO {schema}.read_marks (conversation_id, participant, seq, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (conversation_id, participant) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
		WHERE excluded.seq > read_marks.seq
		RETURNING conversation_id, participant, seq, updated_at`),
		mark.ConversationID, mark.Participant, mark.Seq, updatedAt))
	if errors.Is(err, pgx.ErrNoRows) {
		stored, err = scanReadMark(s.pool.QueryRow(ctx, s.q(`SELECT conversation_id, participant, seq, updated_at
			FROM {schema}.read_marks WHERE conversation_id = $1 AND participant = $2`), mark.ConversationID, mark.Participant))
	}
	if err != nil {
		return livechat.ReadMark{}, s.fail(op, err)
	}
	return stored, nil
}

func scanReadMark(row pgx.Row) (livechat.ReadMark, error) {
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
	marks, err := queryAll(ctx, s.pool, scanReadMark, s.q(`SELECT conversation_id, participant, seq, updated_at
		FROM {schema}.read_marks WHERE conversation_id = $1 ORDER BY participant`), conversationID)
	if err == nil && len(marks) == 0 {
		err = s.conversationExists(ctx, s.pool, conversationID)
	}
	if err != nil {
		return nil, s.fail(fmt.Sprintf("read marks of conversation %q", conversationID), err)
	}
	return marks, nil
}

// conversationExists returns pgx.ErrNoRows when the conversation does not
// exist.
func (s *Store) conversationExists(ctx context.Context, q querier, id string) error {
	var found bool
	if err := q.QueryRow(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM {schema}.conversations WHERE id = $1)`), id).Scan(&found); err != nil {
		return err
	}
	if !found {
		return pgx.ErrNoRows
	}
	return nil
}
