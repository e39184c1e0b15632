-- A snoozed conversation's wake-up time (NULL in every other status), and
-- the snoozes in the order they come due, which every node reads each
-- second; the index holds snoozed conversations only.
ALTER TABLE {schema}.conversations ADD COLUMN snoozed_until timestamptz;
CREATE INDEX conversations_snoozed ON {schema}.conversations (snoozed_until, id) WHERE status = 'snoozed';
