-- 001_init.sql — Holdpoint's first schema.
-- Times are INTEGER milliseconds since the Unix epoch, UTC.

CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE
    CHECK(length(username) BETWEEN 1 AND 64),
  display_name TEXT NOT NULL,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  is_admin INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE teams(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK(length(name) BETWEEN 1 AND 64),
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

CREATE TABLE team_members(
  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY(team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE user_roles(
  user_id INTEGER NOT NULL REFERENCES users(id),
  role TEXT NOT NULL CHECK(role IN ('release_manager','approver','qa','auditor','admin')),
  PRIMARY KEY(user_id, role)
);

CREATE TABLE sessions(
  id_hash TEXT PRIMARY KEY,            -- hex SHA-256 of the cookie token; the token is never stored
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,         -- absolute expiry
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  reauth_at INTEGER,                   -- last successful re-authentication (signatures)
  ended_at INTEGER                     -- sign-out, ended by the user, or user disabled
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_failures(
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL COLLATE NOCASE,
  ip TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);
CREATE INDEX login_failures_ip ON login_failures(ip, at);

CREATE TABLE api_tokens(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,     -- hex SHA-256 of the token
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);

CREATE TABLE delegations(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),      -- the person who is away
  delegate_id INTEGER NOT NULL REFERENCES users(id),  -- who decides in their place
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  CHECK(user_id <> delegate_id),
  CHECK(ends_at > starts_at)
);

CREATE TABLE templates(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  source_yaml TEXT NOT NULL,
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  UNIQUE(name, version)
);

CREATE TABLE releases(
  id INTEGER PRIMARY KEY,
  template_id INTEGER NOT NULL REFERENCES templates(id),
  name TEXT NOT NULL,
  version TEXT NOT NULL DEFAULT '',
  artifact TEXT NOT NULL DEFAULT '',
  artifact_digest TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK(status IN ('running','on_hold','completed','failed','aborted')),
  on_reject TEXT NOT NULL DEFAULT 'fail_release' CHECK(on_reject IN ('fail_release','fail_phase')),
  started_by INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX releases_status ON releases(status, created_at);

CREATE TABLE release_vars(
  release_id INTEGER NOT NULL REFERENCES releases(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(release_id, key)
);

CREATE TABLE phases(
  id INTEGER PRIMARY KEY,
  release_id INTEGER NOT NULL REFERENCES releases(id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('pending','running','waiting_for_approval','completed','failed','aborted')),
  started_at INTEGER,
  finished_at INTEGER,
  UNIQUE(release_id, position)
);

CREATE TABLE activities(
  id INTEGER PRIMARY KEY,
  release_id INTEGER NOT NULL REFERENCES releases(id),
  phase_id INTEGER NOT NULL REFERENCES phases(id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('automated','approval','manual')),
  status TEXT NOT NULL CHECK(status IN ('pending','blocked','running','on_hold','completed','rejected','failed','skipped','aborted')),
  description TEXT NOT NULL DEFAULT '',
  instructions TEXT NOT NULL DEFAULT '',
  policy_json TEXT,                     -- approvals: who decides and how many
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
  UNIQUE(release_id, name)
);
CREATE INDEX activities_status ON activities(status, deadline_at);
CREATE INDEX activities_phase ON activities(phase_id, position);

CREATE TABLE activity_deps(
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  depends_on_id INTEGER NOT NULL REFERENCES activities(id),
  PRIMARY KEY(activity_id, depends_on_id)
);

-- Who was eligible for each rule of an approval when its round opened (plus escalations).
CREATE TABLE eligible(
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  round INTEGER NOT NULL,
  rule_index INTEGER NOT NULL,          -- -1 = added by escalation
  user_id INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY(activity_id, round, rule_index, user_id)
);

CREATE TABLE fields(
  id INTEGER PRIMARY KEY,
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  key TEXT NOT NULL,
  label TEXT NOT NULL,
  type TEXT NOT NULL CHECK(type IN ('text','textarea','number','checkbox','select','file')),
  required INTEGER NOT NULL DEFAULT 0,
  help TEXT NOT NULL DEFAULT '',
  rules_json TEXT NOT NULL DEFAULT '{}',
  position INTEGER NOT NULL,
  UNIQUE(activity_id, key)
);

CREATE TABLE inputs(
  id INTEGER PRIMARY KEY,
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  round INTEGER NOT NULL,
  field_key TEXT NOT NULL,
  value TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  at INTEGER NOT NULL,
  UNIQUE(activity_id, round, field_key)
);

CREATE TABLE decisions(
  id INTEGER PRIMARY KEY,
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  round INTEGER NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),     -- whose vote this is (the principal)
  actor_id INTEGER NOT NULL REFERENCES users(id),    -- who clicked (the delegate when acting for)
  decision TEXT NOT NULL CHECK(decision IN ('approve','reject','take','proceed','abort')),
  comment TEXT NOT NULL DEFAULT '',
  signed INTEGER NOT NULL DEFAULT 0,
  signature_name TEXT NOT NULL DEFAULT '',            -- printed name at the time of signing
  signature_meaning TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL DEFAULT 'web',               -- web | api | slack
  at INTEGER NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  session_hash TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  UNIQUE(activity_id, round, user_id, decision)
);
-- One vote per person per round: approve and reject exclude each other.
CREATE UNIQUE INDEX decisions_one_vote ON decisions(activity_id, round, user_id)
  WHERE decision IN ('approve','reject');

CREATE TABLE evidence(
  id INTEGER PRIMARY KEY,
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  round INTEGER NOT NULL,
  field_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  mime TEXT NOT NULL,
  original_name TEXT NOT NULL,
  stored_path TEXT NOT NULL,           -- relative to the data directory
  uploaded_by INTEGER NOT NULL REFERENCES users(id),
  at INTEGER NOT NULL,
  ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX evidence_activity ON evidence(activity_id, round);

CREATE TABLE outputs(
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(activity_id, key)
);

CREATE TABLE audit_log(
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_id INTEGER,
  actor_name TEXT NOT NULL DEFAULT '',
  acting_for_id INTEGER,
  ip TEXT NOT NULL DEFAULT '',
  session_hash TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  object_type TEXT NOT NULL DEFAULT '',
  object_id INTEGER,
  release_id INTEGER,
  details_json TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_release ON audit_log(release_id, seq);
CREATE INDEX audit_actor ON audit_log(actor_id, seq);
CREATE INDEX audit_action ON audit_log(action, seq);
CREATE INDEX audit_at ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE notifications(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  text TEXT NOT NULL,
  link TEXT NOT NULL DEFAULT '',
  read_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX notifications_user ON notifications(user_id, read_at);

CREATE TABLE outbox(
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  event TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'pending' CHECK(status IN ('pending','sent','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

-- The job runner's lease: one holder at a time across servers sharing the database.
CREATE TABLE job_lease(
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE TABLE settings(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
