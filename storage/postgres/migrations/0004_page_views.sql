-- Page views: the pages a visitor viewed while a conversation of theirs
-- was open, in the order they were added (id); each conversation keeps
-- its newest ones, and they go with it.
CREATE TABLE {schema}.page_views (
	id              bigserial PRIMARY KEY,
	conversation_id text COLLATE "C" NOT NULL REFERENCES {schema}.conversations (id) ON DELETE CASCADE,
	url             text NOT NULL,
	at              timestamptz
);

CREATE INDEX page_views_conversation ON {schema}.page_views (conversation_id, id);
