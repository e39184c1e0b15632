-- The team's saved replies (livechat.SavedReplyStore), each found by its
-- shortcut.
CREATE TABLE saved_replies (
	id         TEXT    NOT NULL PRIMARY KEY,
	shortcut   TEXT    NOT NULL UNIQUE,
	text       TEXT    NOT NULL,
	updated_at INTEGER
);
