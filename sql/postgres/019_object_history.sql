-- 019_object_history.sql — an activity's history in the order the activity page shows it.
-- The page reads the newest records about one activity: by object and sequence they are one
-- index range, newest first, where the release's index needed a second index for the
-- signature failures and two sorts on every view.
CREATE INDEX audit_object ON audit_log(object_type, object_id, seq);
