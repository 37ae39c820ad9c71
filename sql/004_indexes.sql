-- 004_indexes.sql — indexes found by `make bench` and the auditors' filters.
CREATE INDEX eligible_user ON eligible(user_id, activity_id, round);
CREATE INDEX audit_ip ON audit_log(ip, seq);
CREATE INDEX activities_status_kind ON activities(status, kind);
