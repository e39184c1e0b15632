-- One satisfaction survey answer per conversation.
CREATE TABLE surveys (
	conversation_id TEXT    PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
	rating          INTEGER NOT NULL,
	comment         TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER
);
