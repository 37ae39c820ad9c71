-- 011_releases_origin.sql — where a release came from when something else started it:
-- {"keptn": {"context", "triggeredid", "project", "stage", "service"}} for a Keptn control
-- plane's approval.triggered event.  NULL for releases people and pipelines start.  A Keptn
-- event starts at most one release (the index refuses a second).
ALTER TABLE releases ADD COLUMN origin_json TEXT;
CREATE UNIQUE INDEX releases_keptn_triggered ON releases(json_extract(origin_json, '$.keptn.triggeredid'))
  WHERE origin_json IS NOT NULL;
