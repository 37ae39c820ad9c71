-- holdpoint: foreign_keys=off
-- 015_windows.sql — change windows and freezes (issue 18, part 3).
--
-- The first line tells the migration runner to run this file with foreign keys off (and to
-- check them all before it commits): activities is rebuilt, the way SQLite documents for a
-- changed CHECK constraint, because its status gains 'scheduled' — an activity whose turn came
-- outside its change window waits in it until the window opens (scheduled_until).
CREATE TABLE activities_new(
  id INTEGER PRIMARY KEY,
  release_id INTEGER NOT NULL REFERENCES releases(id),
  phase_id INTEGER NOT NULL REFERENCES phases(id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('automated','approval','manual')),
  status TEXT NOT NULL CHECK(status IN ('pending','blocked','scheduled','running','on_hold','completed','rejected','failed','skipped','aborted')),
  description TEXT NOT NULL DEFAULT '',
  instructions TEXT NOT NULL DEFAULT '',
  policy_json TEXT,                     -- approvals: who decides and how many (with a freeze's rule)
  responsible_kind TEXT,                -- manual tasks: user|team|role that may take responsibility
  responsible_name TEXT,
  when_pass TEXT NOT NULL DEFAULT 'manual' CHECK(when_pass IN ('manual','automatic')),
  when_warning TEXT NOT NULL DEFAULT 'manual' CHECK(when_warning IN ('manual','automatic')),
  deadline_s INTEGER NOT NULL DEFAULT 0,        -- from activation; 0 = none
  deadline_at INTEGER,                          -- set at activation
  reminders_json TEXT NOT NULL DEFAULT '[]',    -- seconds before the deadline
  on_timeout_json TEXT,                         -- {"action":"reject"} or {"action":"escalate","kind":"team","name":"admins"}
  signature_required INTEGER NOT NULL DEFAULT 0,
  signature_meaning TEXT NOT NULL DEFAULT '',
  actions_json TEXT NOT NULL DEFAULT '[]',      -- webhooks called after approval
  result TEXT,                                  -- automated: pass|warning|fail; others: approved|rejected|proceeded|aborted|expired
  result_details TEXT,
  round INTEGER NOT NULL DEFAULT 1,
  escalated INTEGER NOT NULL DEFAULT 0,
  activated_at INTEGER,
  finished_at INTEGER,
  responsible_user_id INTEGER REFERENCES users(id),
  due_key INTEGER GENERATED ALWAYS AS (coalesce(deadline_at, 9223372036854775807)) VIRTUAL,
  since_key INTEGER GENERATED ALWAYS AS (coalesce(activated_at, 0)) VIRTUAL,
  scheduled_until INTEGER,                      -- scheduled: when its change window opens (ms)
  template_policy_json TEXT,                    -- approvals under a freeze: the policy before the freeze's rule
  freeze_id INTEGER REFERENCES freezes(id),     -- the freeze this round opened under, if any
  UNIQUE(release_id, name)
);
INSERT INTO activities_new(id, release_id, phase_id, position, name, kind, status, description, instructions,
  policy_json, responsible_kind, responsible_name, when_pass, when_warning, deadline_s, deadline_at,
  reminders_json, on_timeout_json, signature_required, signature_meaning, actions_json, result,
  result_details, round, escalated, activated_at, finished_at, responsible_user_id)
SELECT id, release_id, phase_id, position, name, kind, status, description, instructions,
  policy_json, responsible_kind, responsible_name, when_pass, when_warning, deadline_s, deadline_at,
  reminders_json, on_timeout_json, signature_required, signature_meaning, actions_json, result,
  result_details, round, escalated, activated_at, finished_at, responsible_user_id FROM activities;
DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;
CREATE INDEX activities_status ON activities(status, deadline_at);
CREATE INDEX activities_phase ON activities(phase_id, position);
CREATE INDEX activities_status_kind ON activities(status, kind);
CREATE INDEX activities_inbox ON activities(status, due_key, since_key, id);
CREATE INDEX activities_finished ON activities(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX activities_scheduled ON activities(scheduled_until) WHERE status='scheduled';

-- When activities may start: "mon-fri 09:00-16:00" in a time zone, for every release, the
-- releases of one template, or one environment (the phases of that name).  Where windows
-- apply, an activity starts only inside one of them.
CREATE TABLE change_windows(
  id INTEGER PRIMARY KEY,
  scope_kind TEXT NOT NULL CHECK(scope_kind IN ('all','template','environment')),
  scope_name TEXT NOT NULL DEFAULT '',
  spec TEXT NOT NULL,                   -- days and hours, as pure/window.c reads them
  time_zone TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL
);

-- A date range in which approvals need one more, named approver: the emergency rule.
CREATE TABLE freezes(
  id INTEGER PRIMARY KEY,
  scope_kind TEXT NOT NULL CHECK(scope_kind IN ('all','template','environment')),
  scope_name TEXT NOT NULL DEFAULT '',
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL CHECK(ends_at > starts_at),
  time_zone TEXT NOT NULL,              -- the zone its dates were given in (pages show them so)
  reason TEXT NOT NULL,
  approver_kind TEXT NOT NULL CHECK(approver_kind IN ('user','team','role')),
  approver_name TEXT NOT NULL,
  approver_min INTEGER NOT NULL DEFAULT 1 CHECK(approver_min >= 1),
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  ended_at INTEGER,                     -- ended early by an administrator
  ended_by INTEGER REFERENCES users(id),
  applied_at INTEGER                    -- when approvals already waiting got its rule
);
CREATE INDEX freezes_time ON freezes(ends_at, starts_at);
