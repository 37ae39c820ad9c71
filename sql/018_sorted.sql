-- 018_sorted.sql — indexes in the order pages list rows, so that no page sorts them.
-- The activity page lists an activity's fields by position, and its votes by round and time
-- (the approvals module reads the approving votes of a round in the same order): read in the
-- index's order, without a temporary b-tree on every view.
CREATE INDEX fields_order ON fields(activity_id, position);
CREATE INDEX decisions_activity ON decisions(activity_id, round, at);
