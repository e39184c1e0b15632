-- The team settings the host's AgentAuth set at the agent's latest sign-in
-- (a JSON array of field names).
ALTER TABLE agents ADD COLUMN host_fields TEXT NOT NULL DEFAULT 'null';
