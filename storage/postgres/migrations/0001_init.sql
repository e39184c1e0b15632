-- 0001: the initial schema.
--
-- {schema} stands for the Store's schema, quoted. Times are timestamptz
-- (microseconds), NULL for the zero time. Ids are text in the "C"
-- collation, so that they sort in byte order as Go compares strings. Only
-- messages, read marks and surveys reference conversations: the other ids
-- (a visitor's contact, a conversation's visitor or assignee) are kept as
-- given, like the memory store does.

CREATE TABLE {schema}.visitors (
	id           text COLLATE "C" PRIMARY KEY,
	contact_id   text COLLATE "C" NOT NULL DEFAULT '',
	language     text NOT NULL DEFAULT '',
	page_url     text NOT NULL DEFAULT '',
	user_agent   text NOT NULL DEFAULT '',
	created_at   timestamptz,
	last_seen_at timestamptz
);

CREATE INDEX visitors_contact ON {schema}.visitors (contact_id) WHERE contact_id <> '';

CREATE TABLE {schema}.contacts (
	id         text COLLATE "C" PRIMARY KEY,
	email      text NOT NULL DEFAULT '',
	-- email_key is the email folded by Go's strings.ToLower, so that every
	-- node compares emails alike whatever the database's locale.
	email_key  text NOT NULL DEFAULT '',
	name       text NOT NULL DEFAULT '',
	verified   boolean NOT NULL DEFAULT false,
	owner_id   text NOT NULL DEFAULT '',
	properties jsonb,
	created_at timestamptz,
	updated_at timestamptz
);

CREATE UNIQUE INDEX contacts_email_key ON {schema}.contacts (email_key) WHERE email_key <> '';

CREATE TABLE {schema}.agents (
	id           text COLLATE "C" PRIMARY KEY,
	name         text NOT NULL DEFAULT '',
	email        text NOT NULL DEFAULT '',
	avatar_url   text NOT NULL DEFAULT '',
	team_ids     text[],
	skills       text[],
	capacity     integer NOT NULL DEFAULT 0,
	permissions  text[],
	presence     text NOT NULL DEFAULT '',
	updated_at   timestamptz,
	last_seen_at timestamptz
);

CREATE TABLE {schema}.teams (
	id         text COLLATE "C" PRIMARY KEY,
	name       text NOT NULL DEFAULT '',
	avatar_url text NOT NULL DEFAULT '',
	agent_ids  text[],
	updated_at timestamptz
);

CREATE TABLE {schema}.conversations (
	id          text COLLATE "C" PRIMARY KEY,
	visitor_id  text COLLATE "C" NOT NULL DEFAULT '',
	chatflow_id text COLLATE "C" NOT NULL DEFAULT '',
	status      text NOT NULL DEFAULT '',
	assignee_id text COLLATE "C" NOT NULL DEFAULT '',
	last_seq    bigint NOT NULL DEFAULT 0,
	page_url    text NOT NULL DEFAULT '',
	properties  jsonb,
	created_at  timestamptz,
	updated_at  timestamptz,
	closed_at   timestamptz
);

-- Conversations lists newest update first, or oldest first as a queue,
-- optionally by visitor, status and assignee; AssignConversation counts an
-- agent's open conversations.
CREATE INDEX conversations_updated ON {schema}.conversations (updated_at DESC NULLS LAST, id);
CREATE INDEX conversations_created ON {schema}.conversations (created_at ASC NULLS FIRST, id);
CREATE INDEX conversations_visitor ON {schema}.conversations (visitor_id, updated_at DESC NULLS LAST, id);
CREATE INDEX conversations_assignee ON {schema}.conversations (assignee_id, status, updated_at DESC NULLS LAST, id);

CREATE TABLE {schema}.messages (
	conversation_id text COLLATE "C" NOT NULL REFERENCES {schema}.conversations (id) ON DELETE CASCADE,
	seq             bigint NOT NULL,
	id              text COLLATE "C" NOT NULL UNIQUE,
	client_msg_id   text NOT NULL DEFAULT '',
	sender          text NOT NULL DEFAULT '',
	author_id       text NOT NULL DEFAULT '',
	author_name     text NOT NULL DEFAULT '',
	text            text NOT NULL DEFAULT '',
	code            text NOT NULL DEFAULT '',
	created_at      timestamptz,
	PRIMARY KEY (conversation_id, seq)
);

-- A client message id is unique per conversation and sender (sender kind
-- and author id): an agent reusing a visitor's id, or another agent's,
-- gets a message of their own.
CREATE UNIQUE INDEX messages_client_key ON {schema}.messages (conversation_id, sender, author_id, client_msg_id)
	WHERE client_msg_id <> '';

CREATE TABLE {schema}.read_marks (
	conversation_id text COLLATE "C" NOT NULL REFERENCES {schema}.conversations (id) ON DELETE CASCADE,
	participant     text COLLATE "C" NOT NULL,
	seq             bigint NOT NULL,
	updated_at      timestamptz,
	PRIMARY KEY (conversation_id, participant)
);

-- One satisfaction survey answer per conversation.
CREATE TABLE {schema}.surveys (
	conversation_id text COLLATE "C" PRIMARY KEY REFERENCES {schema}.conversations (id) ON DELETE CASCADE,
	rating          integer NOT NULL,
	comment         text NOT NULL DEFAULT '',
	created_at      timestamptz
);

-- Consent records: only ever added. pos keeps the order records were
-- added in, for records of the same instant.
CREATE TABLE {schema}.consents (
	id         text COLLATE "C" PRIMARY KEY,
	pos        bigint GENERATED ALWAYS AS IDENTITY,
	visitor_id text COLLATE "C" NOT NULL,
	contact_id text COLLATE "C" NOT NULL DEFAULT '',
	kind       text NOT NULL,
	granted    boolean NOT NULL,
	text_hash  text NOT NULL DEFAULT '',
	at         timestamptz
);

CREATE INDEX consents_visitor ON {schema}.consents (visitor_id, at NULLS FIRST, pos);
CREATE INDEX consents_contact ON {schema}.consents (contact_id) WHERE contact_id <> '';

-- Chatflow documents, kept byte for byte.
CREATE TABLE {schema}.chatflows (
	id         text COLLATE "C" PRIMARY KEY,
	version    bigint NOT NULL,
	data       bytea,
	updated_at timestamptz
);
