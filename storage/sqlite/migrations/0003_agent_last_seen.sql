-- When the agent last had the inbox connected, in unix nanoseconds.
ALTER TABLE agents ADD COLUMN last_seen_at INTEGER;
