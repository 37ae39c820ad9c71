-- 008_login_throttle.sql — sign-in throttling that a stranger cannot use to lock people out
-- (core/auth.c).  A failure records whether the name belongs to an account (address limits
-- apply to unknown names only) and the browser's device cookie, if it had one: a browser
-- in which the person signed in before keeps signing in while strangers are slowed down.
ALTER TABLE login_failures ADD COLUMN known INTEGER NOT NULL DEFAULT 1;
ALTER TABLE login_failures ADD COLUMN device_hash TEXT;
CREATE INDEX login_failures_pair ON login_failures(username, ip, at);
CREATE INDEX login_failures_device ON login_failures(device_hash, at) WHERE device_hash IS NOT NULL;
CREATE INDEX login_failures_at ON login_failures(at);

-- Device cookies: SHA-256 of a random 256-bit value, bound to the person who signed in with it.
CREATE TABLE login_devices(
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_devices_user ON login_devices(user_id);
