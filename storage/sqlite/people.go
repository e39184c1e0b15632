package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/golivechat/livechat"
)

const visitorColumns = `id, contact_id, language, page_url, user_agent, created_at, last_seen_at`

func scanVisitor(row rowScanner) (*livechat.Visitor, error) {
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
	_, err := s.exec(ctx, `INSERT INTO visitors (`+visitorColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`, args...)
	return s.fail(op, err)
}

// Visitor returns the visitor with the id. Returns livechat.ErrNotFound.
func (s *Store) Visitor(ctx context.Context, id string) (*livechat.Visitor, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	v, err := scanVisitor(s.r.QueryRowContext(ctx, `SELECT `+visitorColumns+` FROM visitors WHERE id = ?`, id))
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
	res, err := s.exec(ctx, `UPDATE visitors SET contact_id = ?, language = ?, page_url = ?, user_agent = ?,
		created_at = ?, last_seen_at = ? WHERE id = ?`, args...)
	return s.fail(op, mustAffect(res, err))
}

const contactColumns = `id, email, name, verified, owner_id, properties, created_at, updated_at`

func scanContact(row rowScanner) (*livechat.Contact, error) {
	c := new(livechat.Contact)
	err := row.Scan(&c.ID, &c.Email, &c.Name, &c.Verified, &c.OwnerID, jsonCol{&c.Properties},
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// emailKey is the form in which emails are compared: case-insensitively,
// with Unicode case folding that SQLite's lower() lacks.
func emailKey(email string) string { return strings.ToLower(email) }

// CreateContact stores a new contact. Returns livechat.ErrConflict if the
// ID is taken or another contact has the same email, compared
// case-insensitively.
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
	_, err := s.exec(ctx, `INSERT INTO contacts (id, email, email_key, name, verified, owner_id, properties,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return s.fail(op, err)
}

// Contact returns the contact with the id. Returns livechat.ErrNotFound.
func (s *Store) Contact(ctx context.Context, id string) (*livechat.Contact, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	c, err := scanContact(s.r.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = ?`, id))
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
	c, err := scanContact(s.r.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE email_key = ?`, emailKey(email)))
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
	res, err := s.exec(ctx, `UPDATE contacts SET email = ?, email_key = ?, name = ?, verified = ?, owner_id = ?,
		properties = ?, created_at = ?, updated_at = ? WHERE id = ?`, args...)
	return s.fail(op, mustAffect(res, err))
}

const agentColumns = `id, name, email, avatar_url, team_ids, skills, capacity, permissions, presence, updated_at, last_seen_at, host_fields`

func scanAgent(row rowScanner) (*livechat.Agent, error) {
	a := new(livechat.Agent)
	err := row.Scan(&a.ID, &a.Name, &a.Email, &a.AvatarURL, jsonCol{&a.TeamIDs}, jsonCol{&a.Skills}, &a.Capacity,
		jsonCol{&a.Permissions}, &a.Presence, timeCol{&a.UpdatedAt}, timeCol{&a.LastSeenAt}, jsonCol{&a.HostFields})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// PutAgent creates or replaces an agent.
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
	args := []any{a.ID, a.Name, a.Email, a.AvatarURL, e.json(a.TeamIDs), e.json(a.Skills), a.Capacity,
		e.json(a.Permissions), string(a.Presence), e.time(a.UpdatedAt), e.time(a.LastSeenAt), e.json(a.HostFields)}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	_, err := s.exec(ctx, `INSERT INTO agents (`+agentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, avatar_url = excluded.avatar_url,
		team_ids = excluded.team_ids, skills = excluded.skills, capacity = excluded.capacity,
		permissions = excluded.permissions, presence = excluded.presence, updated_at = excluded.updated_at,
		host_fields = excluded.host_fields,
		last_seen_at = CASE WHEN agents.last_seen_at IS NULL OR excluded.last_seen_at > agents.last_seen_at
			THEN excluded.last_seen_at ELSE agents.last_seen_at END`, args...)
	return s.fail(op, err)
}

// TouchAgent moves the agent's LastSeenAt forward to at.
func (s *Store) TouchAgent(ctx context.Context, id string, at time.Time) error {
	op := fmt.Sprintf("touch agent %q", id)
	if err := s.ready(); err != nil {
		return err
	}
	var e encoder
	atCol := e.time(at)
	if e.err != nil {
		return s.fail(op, e.err)
	}
	res, err := s.exec(ctx, `UPDATE agents SET last_seen_at = ?
		WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)`, atCol, id, atCol)
	if err == nil {
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			err = s.r.QueryRowContext(ctx, `SELECT 1 FROM agents WHERE id = ?`, id).Scan(&one)
		}
	}
	return s.fail(op, err)
}

// Agent returns the agent with the id. Returns livechat.ErrNotFound.
func (s *Store) Agent(ctx context.Context, id string) (*livechat.Agent, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	a, err := scanAgent(s.r.QueryRowContext(ctx, `SELECT `+agentColumns+` FROM agents WHERE id = ?`, id))
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
	as, err := queryAll(ctx, s.r, scanAgent, `SELECT `+agentColumns+` FROM agents ORDER BY id`)
	return as, s.fail("agents", err)
}

const teamColumns = `id, name, avatar_url, agent_ids, updated_at`

func scanTeam(row rowScanner) (*livechat.Team, error) {
	t := new(livechat.Team)
	err := row.Scan(&t.ID, &t.Name, &t.AvatarURL, jsonCol{&t.AgentIDs}, timeCol{&t.UpdatedAt})
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
	args := []any{t.ID, t.Name, t.AvatarURL, e.json(t.AgentIDs), e.time(t.UpdatedAt)}
	if e.err != nil {
		return s.fail(op, e.err)
	}
	_, err := s.exec(ctx, `INSERT INTO teams (`+teamColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, avatar_url = excluded.avatar_url,
		agent_ids = excluded.agent_ids, updated_at = excluded.updated_at`, args...)
	return s.fail(op, err)
}

// Team returns the team with the id. Returns livechat.ErrNotFound.
func (s *Store) Team(ctx context.Context, id string) (*livechat.Team, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	t, err := scanTeam(s.r.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = ?`, id))
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
	res, err := s.exec(ctx, `DELETE FROM teams WHERE id = ?`, id)
	return s.fail(fmt.Sprintf("delete team %q", id), mustAffect(res, err))
}

// Teams returns every team, ordered by ID.
func (s *Store) Teams(ctx context.Context) ([]*livechat.Team, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	ts, err := queryAll(ctx, s.r, scanTeam, `SELECT `+teamColumns+` FROM teams ORDER BY id`)
	return ts, s.fail("teams", err)
}
