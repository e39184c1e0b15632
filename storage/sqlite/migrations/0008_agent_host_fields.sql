-- The team settings the host's AgentAuth set at the agent's latest sign-in
-- (a JSON array of field names).
ALTER TABLE agents ADD COLUMN host_fields TEXT NOT NULL DEFAULT 'null';
-- Before team settings existed, every stored value came from AgentAuth:
-- the fields an agent has are the host's, in the order Agent.HostFields
-- lists them, until the next sign-in says otherwise.
UPDATE agents SET host_fields = (
	SELECT CASE WHEN count(*) = 0 THEN 'null' ELSE json_group_array(f) END FROM (
		SELECT 'teamIds' AS f, 1 AS o WHERE team_ids NOT IN ('null', '[]')
		UNION ALL SELECT 'skills', 2 WHERE skills NOT IN ('null', '[]')
		UNION ALL SELECT 'capacity', 3 WHERE capacity > 0
		ORDER BY o));
