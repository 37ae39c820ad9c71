-- 006_inbox_order.sql — the inbox reads one page through an index, whatever the number waiting.
-- may_act carries the activity's sort key (deadline first, none last; then how long it waited),
-- written by mayact_refresh with the rows; "everything waiting" reads the same key from activities (generated columns).
ALTER TABLE may_act ADD COLUMN due_at INTEGER NOT NULL DEFAULT 9223372036854775807;  -- deadline, or "none" last
ALTER TABLE may_act ADD COLUMN since_at INTEGER NOT NULL DEFAULT 0;                   -- activated_at
UPDATE may_act SET
  due_at = (SELECT coalesce(a.deadline_at, 9223372036854775807) FROM activities a WHERE a.id=may_act.activity_id),
  since_at = (SELECT coalesce(a.activated_at, 0) FROM activities a WHERE a.id=may_act.activity_id);
CREATE INDEX may_act_inbox ON may_act(user_id, due_at, since_at, activity_id);
ALTER TABLE activities ADD COLUMN due_key INTEGER
  GENERATED ALWAYS AS (coalesce(deadline_at, 9223372036854775807)) VIRTUAL;
ALTER TABLE activities ADD COLUMN since_key INTEGER GENERATED ALWAYS AS (coalesce(activated_at, 0)) VIRTUAL;
CREATE INDEX activities_inbox ON activities(status, due_key, since_key, id);
-- The releases list pages by id (newest first; ids grow with creation time), with or without a status.
CREATE INDEX releases_status_id ON releases(status, id);
