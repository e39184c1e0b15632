-- Attached files: a message's attachment (JSON, '' for none) and the
-- record of every file, which goes with its conversation.
ALTER TABLE messages ADD COLUMN attachment TEXT NOT NULL DEFAULT '';

CREATE TABLE files (
	id              TEXT    NOT NULL PRIMARY KEY,
	conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	name            TEXT    NOT NULL,
	size            INTEGER NOT NULL,
	content_type    TEXT    NOT NULL,
	sender          TEXT    NOT NULL,
	uploader_id     TEXT    NOT NULL,
	created_at      INTEGER
) STRICT;

CREATE INDEX files_conversation ON files (conversation_id);
