-- 013_builds.sql — approvals bound to the artifact's digest (issue 18).
-- Each decision records the digest of the build it was made for; a release remembers the
-- build it had before its last new build, and when that arrived (the banner on its pages).
ALTER TABLE decisions ADD COLUMN artifact_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN previous_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN build_changed_at INTEGER;
