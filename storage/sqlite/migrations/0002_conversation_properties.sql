-- Conversation properties: a JSON object of strings, like contact properties.
ALTER TABLE conversations ADD COLUMN properties TEXT;
