-- 016_insights_people.sql — the insights read the activities people decided (approvals and
-- manual tasks) that finished in a period: an index of those alone, so that automated steps,
-- however many a pipeline runs, cost the page nothing.
CREATE INDEX activities_people_finished ON activities(finished_at) WHERE kind IN ('approval','manual');
