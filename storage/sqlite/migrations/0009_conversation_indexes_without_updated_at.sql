-- Appending a message moves its conversation's updated_at, and SQLite
-- rewrites the entry of every index holding that column: three indexes,
-- each entry on a page of its own for most appends. The lists by visitor
-- and by assignee are short enough to sort (a visitor's conversations,
-- an agent's or the queue's for one status), so their indexes no longer
-- hold updated_at; conversations_updated keeps the inbox's order.
DROP INDEX conversations_visitor;
CREATE INDEX conversations_visitor ON conversations (visitor_id);
DROP INDEX conversations_assignee;
CREATE INDEX conversations_assignee ON conversations (assignee_id, status);
