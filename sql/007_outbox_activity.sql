-- 007_outbox_activity.sql — the approvals log finds a release's notifications through indexes,
-- not by reading every message ever queued.  outbox.activity_id (003) is written with each
-- message; rows queued before it existed get it from their payload here.
UPDATE outbox SET activity_id = CASE WHEN json_valid(payload_json) THEN coalesce(
    json_extract(payload_json, '$.activity_id'), json_extract(payload_json, '$.activity.id'),
    json_extract(payload_json, '$.data.activity_id'), json_extract(payload_json, '$.data.activity.id')) END
  WHERE activity_id IS NULL;
CREATE INDEX outbox_activity ON outbox(activity_id);
-- In-app notifications link to their activity ("/activities/ID"): looked up by link.
CREATE INDEX notifications_link ON notifications(link);
