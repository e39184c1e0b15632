-- The team settings the host's AgentAuth set at the agent's latest sign-in.
ALTER TABLE {schema}.agents ADD COLUMN host_fields text[];
-- Before team settings existed, every stored value came from AgentAuth:
-- the fields an agent has are the host's, in the order Agent.HostFields
-- lists them, until the next sign-in says otherwise.
UPDATE {schema}.agents SET host_fields = NULLIF(array_remove(ARRAY[
	CASE WHEN cardinality(team_ids) > 0 THEN 'teamIds' END,
	CASE WHEN cardinality(skills) > 0 THEN 'skills' END,
	CASE WHEN capacity > 0 THEN 'capacity' END]::text[], NULL), '{}');
