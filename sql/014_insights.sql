-- 014_insights.sql — where releases wait and how people approve (issue 18, part 2).
-- The first time each person who may act opened an activity in a round: the start of
-- "time from opening to deciding", and of the "decided within seconds" signal.
CREATE TABLE activity_opens(
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  round INTEGER NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  opened_at INTEGER NOT NULL,
  PRIMARY KEY(activity_id, round, user_id)
) WITHOUT ROWID;
-- The insights read activities finished and decisions made in a period, and downloads by a person.
CREATE INDEX activities_finished ON activities(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX decisions_at ON decisions(at);
CREATE INDEX audit_download ON audit_log(actor_id, object_id) WHERE action='evidence.download';
