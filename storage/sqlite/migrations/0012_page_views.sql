-- Page views: the pages a visitor viewed while a conversation of theirs
-- was open, in the order they were added (rowid); each conversation
-- keeps its newest ones.
CREATE TABLE page_views (
	conversation_id TEXT NOT NULL,
	url             TEXT NOT NULL,
	at              INTEGER
);
CREATE INDEX page_views_conversation ON page_views (conversation_id);
