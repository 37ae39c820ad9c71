-- 003_notify.sql — notification channels, people's preferences and linked identities,
-- and what the outbox needs to deliver and account for each row.

-- Where notifications go besides the in-app inbox.  type: email (SMTP), file (e-mail as .eml
-- files in a directory: the demo's sink), slack, teams (incoming webhooks), sms (an HTTP
-- gateway), webhook (signed CloudEvents).  team: for slack and teams, the team whose
-- activities the channel announces ('' = every activity).  config_json: the type's settings
-- (URLs, secrets, SMTP options); see README "Notifications".
CREATE TABLE notify_channels(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK(length(name) BETWEEN 1 AND 64),
  type TEXT NOT NULL CHECK(type IN ('email','file','slack','teams','sms','webhook')),
  team TEXT NOT NULL DEFAULT '',
  config_json TEXT NOT NULL DEFAULT '{}',
  enabled INTEGER NOT NULL DEFAULT 1,
  source TEXT NOT NULL DEFAULT 'web' CHECK(source IN ('web','file','seed')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- A person's identity elsewhere: provider 'slack' (the Slack user id that may press the
-- Approve/Reject buttons) or 'sms' (the phone number text messages go to).
CREATE TABLE user_identities(
  user_id INTEGER NOT NULL REFERENCES users(id),
  provider TEXT NOT NULL CHECK(provider IN ('slack','sms')),
  external_id TEXT NOT NULL CHECK(length(external_id) BETWEEN 1 AND 64),
  created_at INTEGER NOT NULL,
  PRIMARY KEY(provider, external_id)
);
CREATE UNIQUE INDEX user_identities_user ON user_identities(user_id, provider);

-- Which events reach a person on which personal channel (email, sms, inapp).  No row means
-- the default: e-mail and in-app on, SMS off.
CREATE TABLE user_prefs(
  user_id INTEGER NOT NULL REFERENCES users(id),
  event TEXT NOT NULL,
  channel TEXT NOT NULL CHECK(channel IN ('email','sms','inapp')),
  enabled INTEGER NOT NULL CHECK(enabled IN (0,1)),
  PRIMARY KEY(user_id, event, channel)
);

-- The channel row a message is delivered through (its settings are read at delivery, so a
-- fixed URL helps a retry), and the release and activity it is about (actions, admin page).
ALTER TABLE outbox ADD COLUMN channel_id INTEGER;
ALTER TABLE outbox ADD COLUMN release_id INTEGER;
ALTER TABLE outbox ADD COLUMN activity_id INTEGER;
CREATE INDEX outbox_status_created ON outbox(status, created_at);
CREATE INDEX notifications_user_created ON notifications(user_id, created_at);
