-- 012_identity.sql — company sign-in (OpenID Connect, LDAP), groups to teams and roles,
-- two-step sign-in for local accounts and password reset by e-mail (core/federate.c,
-- core/twostep.c, services/oidc.c, services/ldapdir.c).

-- How a person signs in: 'local' (a password kept here), 'oidc' or 'ldap'.  external_id
-- is the provider's stable name for them: "issuer subject" for OpenID Connect, the entry's
-- DN for LDAP.  groups_json is what the provider last said they belong to (shown to admins).
ALTER TABLE users ADD COLUMN auth_source TEXT NOT NULL DEFAULT 'local'
  CHECK(auth_source IN ('local','oidc','ldap'));
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN groups_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN synced_at INTEGER;
CREATE UNIQUE INDEX users_external ON users(auth_source, external_id) WHERE external_id IS NOT NULL;

-- The provider's groups to Holdpoint's teams and roles.  For people who sign in through a
-- provider, membership of every team and role named here follows their groups at each
-- sign-in and directory sync; teams and roles not named here are left to administrators.
-- source 'file' rows come from HOLDPOINT_GROUP_MAP_FILE (replaced when it changes),
-- 'admin' rows from the admin page.
CREATE TABLE group_map(
  id INTEGER PRIMARY KEY,
  grp TEXT NOT NULL COLLATE NOCASE CHECK(length(grp) BETWEEN 1 AND 256),
  target_kind TEXT NOT NULL CHECK(target_kind IN ('team','role')),
  target TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'admin' CHECK(source IN ('admin','file')),
  created_at INTEGER NOT NULL,
  UNIQUE(grp, target_kind, target)
);

-- How a session was signed in ('password', 'password+totp', 'recovery', 'oidc', 'ldap') and
-- how the person last re-authenticated for a signature.
ALTER TABLE sessions ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN reauth_method TEXT;
-- A signature names how the person proved who they were at that moment.
ALTER TABLE decisions ADD COLUMN signature_method TEXT NOT NULL DEFAULT '';

-- Two-step sign-in (RFC 6238): the shared secret, set up until confirmed by a first code;
-- last_step stops a code being used twice.
CREATE TABLE totp(
  user_id INTEGER PRIMARY KEY REFERENCES users(id),
  secret TEXT NOT NULL,                 -- base32, as authenticator apps take it ('' until confirmed)
  pending_secret TEXT,                  -- a new one being set up: replaces secret once a code confirms it
  created_at INTEGER NOT NULL,
  confirmed_at INTEGER,
  last_step INTEGER NOT NULL DEFAULT 0
);
-- Recovery codes: SHA-256 of each single-use code.
CREATE TABLE recovery_codes(
  user_id INTEGER NOT NULL REFERENCES users(id),
  code_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER,
  PRIMARY KEY(user_id, code_hash)
) WITHOUT ROWID;
-- A right password waiting for its second step (cookie hp_pending holds the token).
CREATE TABLE login_pending(
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  next TEXT NOT NULL DEFAULT '/',
  tz TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Password reset links: SHA-256 of the token sent by e-mail; single use, expiring.
CREATE TABLE password_resets(
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) WITHOUT ROWID;
CREATE INDEX password_resets_user ON password_resets(user_id, created_at);

-- An OpenID Connect round trip in flight: state (hashed), the browser it belongs to, the
-- nonce and PKCE verifier, where to go after, and whether it signs in or re-authenticates.
CREATE TABLE oidc_pending(
  state_hash TEXT PRIMARY KEY,
  browser_hash TEXT NOT NULL,
  nonce TEXT NOT NULL,
  verifier TEXT NOT NULL,
  next TEXT NOT NULL DEFAULT '/',
  purpose TEXT NOT NULL CHECK(purpose IN ('login','reauth')),
  user_id INTEGER,
  session_hash TEXT,                  -- reauth: the session to mark (its cookie is SameSite=Strict, so the
                                      -- provider's redirect back arrives without it)
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
