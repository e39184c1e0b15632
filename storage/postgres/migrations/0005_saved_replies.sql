-- The team's saved replies (livechat.SavedReplyStore), each found by its
-- shortcut.
CREATE TABLE {schema}.saved_replies (
	id         text PRIMARY KEY,
	shortcut   text NOT NULL UNIQUE,
	text       text NOT NULL,
	updated_at timestamptz
);
