package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/golivechat/livechat"
)

const visitorColumns = `id, contact_id, language, page_url, user_agent, created_at, last_seen_at`

func scanVisitor(row pgx.Row) (*livechat.Visitor, error) {
	v := new(livechat.Visitor)
	err := row.Scan(&v.ID, &v.ContactID, &v.Language, &v.PageURL, &v.UserAgent,
		timeCol{&v.CreatedAt}, timeCol{&v.LastSeenAt})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// CreateVisitor stores a new visitor. Returns livechat.ErrConflict if the
// ID is taken.
func (s *Store) CreateVisitor(ctx context.Context, v *livechat.Visitor) error {
	if v == nil {
		return nilArg("visitor")
	}
	op := fmt.Sprintf("create visitor %q", v.ID)
	if err := s.ready(); err != nil {
		return err
	}
	if err := validID("visitor", v.ID); err != nil {
		return s.fail(op, err)
	}
	var e encoder
	args := []any{v.ID, v.ContactID, v.Language, v.PageURL, v.UserAgent, e.time(v.CreatedAt), e.time(v.LastSeenAt)}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.visitors (`+visitorColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`), args...)
	return s.fail(op, err)
}

// Visitor returns the visitor with the id. Returns livechat.ErrNotFound.
func (s *Store) Visitor(ctx context.Context, id string) (*livechat.Visitor, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	v, err := scanVisitor(s.pool.QueryRow(ctx, s.q(`SELECT `+visitorColumns+` FROM {schema}.visitors WHERE id = $1`), id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("visitor %q", id), err)
	}
	return v, nil
}

// UpdateVisitor replaces a stored visitor. Returns livechat.ErrNotFound.
func (s *Store) UpdateVisitor(ctx context.Context, v *livechat.Visitor) error {
	if v == nil {
		return nilArg("visitor")
	}
	op := fmt.Sprintf("update visitor %q", v.ID)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	args := []any{v.ContactID, v.Language, v.PageURL, v.UserAgent, e.time(v.CreatedAt), e.time(v.LastSeenAt), v.ID}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	tag, err := s.pool.Exec(ctx, s.q(`UPDATE {schema}.visitors SET contact_id = $1, language = $2, page_url = $3,
		user_agent = $4, created_at = $5, last_seen_at = $6 WHERE id = $7`), args...)
	return s.fail(op, mustAffect(tag, err))
}

const contactColumns = `id, email, name, verified, owner_id, properties, created_at, updated_at`

func scanContact(row pgx.Row) (*livechat.Contact, error) {
	c := new(livechat.Contact)
	err := row.Scan(&c.ID, &c.Email, &c.Name, &c.Verified, &c.OwnerID, &c.Properties,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// emailKey is the form in which emails are compared: case-insensitively,
// with Go's Unicode case folding, the same on every node whatever the
// database's locale.
func emailKey(email string) string { return strings.ToLower(email) }

// CreateContact stores a new contact. Returns livechat.ErrConflict if the
// ID is taken or another contact has the same email, compared
// case-insensitively; a unique index decides between concurrent creates.
func (s *Store) CreateContact(ctx context.Context, c *livechat.Contact) error {
	if c == nil {
		return nilArg("contact")
	}
	op := fmt.Sprintf("create contact %q", c.ID)
	if err := s.ready(); err != nil {
		return err
	}
	if err := validID("contact", c.ID); err != nil {
		return s.fail(op, err)
	}
	var e encoder
	args := []any{c.ID, c.Email, emailKey(c.Email), c.Name, c.Verified, c.OwnerID, e.json(c.Properties),
		e.time(c.CreatedAt), e.time(c.UpdatedAt)}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.contacts (id, email, email_key, name, verified, owner_id,
		properties, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`), args...)
	return s.fail(op, err)
}

// Contact returns the contact with the id. Returns livechat.ErrNotFound.
func (s *Store) Contact(ctx context.Context, id string) (*livechat.Contact, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	c, err := scanContact(s.pool.QueryRow(ctx, s.q(`SELECT `+contactColumns+` FROM {schema}.contacts WHERE id = $1`), id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("contact %q", id), err)
	}
	return c, nil
}

// ContactByEmail finds a contact by email, case-insensitively. Returns
// livechat.ErrNotFound, also for an empty email.
func (s *Store) ContactByEmail(ctx context.Context, email string) (*livechat.Contact, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("contact with email %q", email)
	if email == "" {
		return nil, s.fail(op, fmt.Errorf("empty email: %w", livechat.ErrNotFound))
	}
	c, err := scanContact(s.pool.QueryRow(ctx, s.q(`SELECT `+contactColumns+` FROM {schema}.contacts WHERE email_key = $1`), emailKey(email)))
	if err != nil {
		return nil, s.fail(op, err)
	}
	return c, nil
}

// UpdateContact replaces a stored contact. Returns livechat.ErrNotFound,
// or livechat.ErrConflict if the new email belongs to another contact.
func (s *Store) UpdateContact(ctx context.Context, c *livechat.Contact) error {
	if c == nil {
		return nilArg("contact")
	}
	op := fmt.Sprintf("update contact %q", c.ID)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	args := []any{c.Email, emailKey(c.Email), c.Name, c.Verified, c.OwnerID, e.json(c.Properties),
		e.time(c.CreatedAt), e.time(c.UpdatedAt), c.ID}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	tag, err := s.pool.Exec(ctx, s.q(`UPDATE {schema}.contacts SET email = $1, email_key = $2, name = $3, verified = $4,
		owner_id = $5, properties = $6, created_at = $7, updated_at = $8 WHERE id = $9`), args...)
	return s.fail(op, mustAffect(tag, err))
}

const agentColumns = `id, name, email, avatar_url, team_ids, skills, capacity, permissions, presence, updated_at, last_seen_at, host_fields`

func scanAgent(row pgx.Row) (*livechat.Agent, error) {
	a := new(livechat.Agent)
	var presence string
	err := row.Scan(&a.ID, &a.Name, &a.Email, &a.AvatarURL, &a.TeamIDs, &a.Skills, &a.Capacity,
		&a.Permissions, &presence, timeCol{&a.UpdatedAt}, timeCol{&a.LastSeenAt}, &a.HostFields)
	if err != nil {
		return nil, err
	}
	a.Presence = livechat.Presence(presence)
	return a, nil
}

// PutAgent creates or replaces an agent; a LastSeenAt older than the
// stored one leaves the stored one.
func (s *Store) PutAgent(ctx context.Context, a *livechat.Agent) error {
	if a == nil {
		return nilArg("agent")
	}
	op := fmt.Sprintf("put agent %q", a.ID)
	if err := s.ready(); err != nil {
		return err
	}
	if err := validID("agent", a.ID); err != nil {
		return s.fail(op, err)
	}
	var e encoder
	args := []any{a.ID, a.Name, a.Email, a.AvatarURL, a.TeamIDs, a.Skills, a.Capacity,
		a.Permissions, string(a.Presence), e.time(a.UpdatedAt), e.time(a.LastSeenAt), a.HostFields}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	// GREATEST ignores NULL: a stored zero LastSeenAt takes the new one, a
	// new zero one keeps the stored one.
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.agents (`+agentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, avatar_url = excluded.avatar_url,
		team_ids = excluded.team_ids, skills = excluded.skills, capacity = excluded.capacity,
		permissions = excluded.permissions, presence = excluded.presence, updated_at = excluded.updated_at,
		host_fields = excluded.host_fields,
		last_seen_at = GREATEST(agents.last_seen_at, excluded.last_seen_at)`), args...)
	return s.fail(op, err)
}

// TouchAgent moves the agent's LastSeenAt forward to at (never back).
// Returns livechat.ErrNotFound.
func (s *Store) TouchAgent(ctx context.Context, id string, at time.Time) error {
	op := fmt.Sprintf("touch agent %q", id)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	atArg := e.time(at)
	if e.err != nil {
		return s.fail(op, e.err)
	}
	var found bool
	err := s.pool.QueryRow(ctx, s.q(`WITH agent AS (SELECT id FROM {schema}.agents WHERE id = $1),
		touched AS (UPDATE {schema}.agents SET last_seen_at = $2
			WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < $2::timestamptz))
		SELECT EXISTS (SELECT 1 FROM agent)`), id, atArg).Scan(&found)
	if err == nil && !found {
		err = pgx.ErrNoRows
	}
	return s.fail(op, err)
}

// Agent returns the agent with the id. Returns livechat.ErrNotFound.
func (s *Store) Agent(ctx context.Context, id string) (*livechat.Agent, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	a, err := scanAgent(s.pool.QueryRow(ctx, s.q(`SELECT `+agentColumns+` FROM {schema}.agents WHERE id = $1`), id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("agent %q", id), err)
	}
	return a, nil
}

// Agents returns every agent, ordered by ID.
func (s *Store) Agents(ctx context.Context) ([]*livechat.Agent, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	as, err := queryAll(ctx, s.pool, scanAgent, s.q(`SELECT `+agentColumns+` FROM {schema}.agents ORDER BY id`))
	return as, s.fail("agents", err)
}

const teamColumns = `id, name, avatar_url, agent_ids, updated_at`

func scanTeam(row pgx.Row) (*livechat.Team, error) {
	t := new(livechat.Team)
	err := row.Scan(&t.ID, &t.Name, &t.AvatarURL, &t.AgentIDs, timeCol{&t.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// PutTeam creates or replaces a team.
func (s *Store) PutTeam(ctx context.Context, t *livechat.Team) error {
	if t == nil {
		return nilArg("team")
	}
	op := fmt.Sprintf("put team %q", t.ID)
	if err := s.ready(); err != nil {
		return err
	}
	if err := validID("team", t.ID); err != nil {
		return s.fail(op, err)
	}
	var e encoder
	args := []any{t.ID, t.Name, t.AvatarURL, t.AgentIDs, e.time(t.UpdatedAt)}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {schema}.teams (`+teamColumns+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, avatar_url = excluded.avatar_url,
		agent_ids = excluded.agent_ids, updated_at = excluded.updated_at`), args...)
	return s.fail(op, err)
}

// Team returns the team with the id. Returns livechat.ErrNotFound.
func (s *Store) Team(ctx context.Context, id string) (*livechat.Team, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	t, err := scanTeam(s.pool.QueryRow(ctx, s.q(`SELECT `+teamColumns+` FROM {schema}.teams WHERE id = $1`), id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("team %q", id), err)
	}
	return t, nil
}

var _ livechat.TeamDeleter = (*Store)(nil)

// DeleteTeam removes a team. Returns livechat.ErrNotFound.
func (s *Store) DeleteTeam(ctx context.Context, id string) error {
	if err := s.ready(); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.q(`DELETE FROM {schema}.teams WHERE id = $1`), id)
	return s.fail(fmt.Sprintf("delete team %q", id), mustAffect(tag, err))
}

// Teams returns every team, ordered by ID.
func (s *Store) Teams(ctx context.Context) ([]*livechat.Team, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	ts, err := queryAll(ctx, s.pool, scanTeam, s.q(`SELECT `+teamColumns+` FROM {schema}.teams ORDER BY id`))
	return ts, s.fail("teams", err)
}
