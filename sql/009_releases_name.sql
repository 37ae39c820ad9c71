-- 009_releases_name.sql — "since the previous release of the same name" (the activity page)
-- finds that release through an index, instead of walking back through every earlier release
-- (all of them, for the first release of a name).
CREATE INDEX releases_name ON releases(name, id);
