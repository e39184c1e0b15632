-- Consent records: only ever added.
CREATE TABLE consents (
	id         TEXT    PRIMARY KEY,
	visitor_id TEXT    NOT NULL,
	contact_id TEXT    NOT NULL DEFAULT '',
	kind       TEXT    NOT NULL,
	granted    INTEGER NOT NULL,
	text_hash  TEXT    NOT NULL DEFAULT '',
	at         INTEGER
);
CREATE INDEX consents_visitor ON consents (visitor_id, at, id);
