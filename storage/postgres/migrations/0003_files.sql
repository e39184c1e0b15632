-- Attached files: a message's attachment (JSON, '' for none) and the
-- record of every file, which goes with its conversation.
ALTER TABLE {schema}.messages ADD COLUMN attachment text NOT NULL DEFAULT '';

CREATE TABLE {schema}.files (
	id              text COLLATE "C" PRIMARY KEY,
	conversation_id text COLLATE "C" NOT NULL REFERENCES {schema}.conversations (id) ON DELETE CASCADE,
	name            text NOT NULL,
	size            bigint NOT NULL,
	content_type    text NOT NULL,
	sender          text NOT NULL,
	uploader_id     text NOT NULL,
	created_at      timestamptz
);

CREATE INDEX files_conversation ON {schema}.files (conversation_id, created_at, id);
