-- 017_inbox.sql — indexes that keep the inbox and the releases list index lookups whatever the data.
-- Release managers see the releases that wait for a Retry or an Abort: failed ones, and those
-- on hold at a failed phase.  An index of the failed phases alone finds them without reading
-- every release on hold.
CREATE INDEX phases_failed ON phases(release_id) WHERE status='failed';
-- The viewer's waiting list and its count read may_act in inbox order and check each row's
-- window (from_at, until_at): with until_at in the index, the index alone answers.
CREATE INDEX may_act_inbox_open ON may_act(user_id, due_at, since_at, activity_id, from_at, until_at);
DROP INDEX may_act_inbox;
-- The releases list shows how many activities of each release wait: counted in an index of
-- the waiting activities alone, without reading each activity.
CREATE INDEX activities_waiting ON activities(release_id) WHERE status='on_hold';
