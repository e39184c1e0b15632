-- 0001: the initial schema.
--
-- Times are INTEGER unix nanoseconds in UTC, NULL for the zero time.
-- Slices and maps are JSON text. Only messages and read marks reference
-- conversations: the other ids (a visitor's contact, a conversation's
-- visitor or assignee) are kept as given, like the memory store does.

CREATE TABLE visitors (
	id           TEXT    NOT NULL PRIMARY KEY,
	contact_id   TEXT    NOT NULL DEFAULT '',
	language     TEXT    NOT NULL DEFAULT '',
	page_url     TEXT    NOT NULL DEFAULT '',
	user_agent   TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER,
	last_seen_at INTEGER
) STRICT;

CREATE TABLE contacts (
	id         TEXT    NOT NULL PRIMARY KEY,
	email      TEXT    NOT NULL DEFAULT '',
	-- email_key is the email folded by Go's strings.ToLower: SQLite's
	-- lower() folds ASCII only.
	email_key  TEXT    NOT NULL DEFAULT '',
	name       TEXT    NOT NULL DEFAULT '',
	verified   INTEGER NOT NULL DEFAULT 0,
	owner_id   TEXT    NOT NULL DEFAULT '',
	properties TEXT    NOT NULL DEFAULT 'null',
	created_at INTEGER,
	updated_at INTEGER
) STRICT;

CREATE UNIQUE INDEX contacts_email_key ON contacts (email_key) WHERE email_key <> '';

CREATE TABLE agents (
	id          TEXT    NOT NULL PRIMARY KEY,
	name        TEXT    NOT NULL DEFAULT '',
	email       TEXT    NOT NULL DEFAULT '',
	avatar_url  TEXT    NOT NULL DEFAULT '',
	team_ids    TEXT    NOT NULL DEFAULT 'null',
	skills      TEXT    NOT NULL DEFAULT 'null',
	capacity    INTEGER NOT NULL DEFAULT 0,
	permissions TEXT    NOT NULL DEFAULT 'null',
	presence    TEXT    NOT NULL DEFAULT '',
	updated_at  INTEGER
) STRICT;

CREATE TABLE teams (
	id         TEXT    NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL DEFAULT '',
	avatar_url TEXT    NOT NULL DEFAULT '',
	agent_ids  TEXT    NOT NULL DEFAULT 'null',
	updated_at INTEGER
) STRICT;

CREATE TABLE conversations (
	id          TEXT    NOT NULL PRIMARY KEY,
	visitor_id  TEXT    NOT NULL DEFAULT '',
	chatflow_id TEXT    NOT NULL DEFAULT '',
	status      TEXT    NOT NULL DEFAULT '',
	assignee_id TEXT    NOT NULL DEFAULT '',
	last_seq    INTEGER NOT NULL DEFAULT 0,
	page_url    TEXT    NOT NULL DEFAULT '',
	created_at  INTEGER,
	updated_at  INTEGER,
	closed_at   INTEGER
) STRICT;

-- Conversations lists newest update first, optionally by visitor, status
-- and assignee.
CREATE INDEX conversations_updated ON conversations (updated_at DESC, id);
CREATE INDEX conversations_visitor ON conversations (visitor_id, updated_at DESC);
CREATE INDEX conversations_assignee ON conversations (assignee_id, status, updated_at DESC);

CREATE TABLE messages (
	conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	id              TEXT    NOT NULL UNIQUE,
	client_msg_id   TEXT    NOT NULL DEFAULT '',
	sender          TEXT    NOT NULL DEFAULT '',
	author_id       TEXT    NOT NULL DEFAULT '',
	author_name     TEXT    NOT NULL DEFAULT '',
	text            TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER,
	PRIMARY KEY (conversation_id, seq)
) STRICT;

CREATE UNIQUE INDEX messages_client_msg_id ON messages (conversation_id, client_msg_id)
	WHERE client_msg_id <> '';

CREATE TABLE read_marks (
	conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	participant     TEXT    NOT NULL,
	seq             INTEGER NOT NULL,
	updated_at      INTEGER,
	PRIMARY KEY (conversation_id, participant)
) STRICT;

CREATE TABLE chatflows (
	id         TEXT    NOT NULL PRIMARY KEY,
	version    INTEGER NOT NULL,
	data       BLOB,
	updated_at INTEGER
) STRICT;
