-- An agent's closed conversations are a long list read a page at a time,
-- newest first: this index holds them in that order, so a page reads its
-- rows instead of sorting the agent's whole history. Appends rarely touch
-- it: a closed conversation takes few messages.
CREATE INDEX conversations_assignee_closed ON conversations (assignee_id, updated_at DESC, id) WHERE status = 'closed';
