-- The team settings the host's AgentAuth set at the agent's latest sign-in.
ALTER TABLE {schema}.agents ADD COLUMN host_fields text[];
