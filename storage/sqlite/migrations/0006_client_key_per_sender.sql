-- A client message id is unique per conversation and sender (sender kind
-- and author id), not per conversation: an agent reusing a visitor's id,
-- or another agent's, gets a message of their own.
DROP INDEX messages_client_msg_id;
CREATE UNIQUE INDEX messages_client_key ON messages (conversation_id, sender, author_id, client_msg_id)
	WHERE client_msg_id <> '';
