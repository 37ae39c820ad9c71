-- 005_may_act.sql — who may act on each open activity, kept by the core (mayact.c) inside the
-- transaction that opens, changes or closes a round.  Readers filter on from_at/until_at with
-- their own clock; `holdpoint migrate` fills the table for rounds opened before it existed.
CREATE TABLE may_act(
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  round INTEGER NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),       -- who may click
  for_user_id INTEGER NOT NULL REFERENCES users(id),   -- whose authority: user_id, or the principal of a delegation
  reason TEXT NOT NULL CHECK(reason IN ('rule','delegation','responsibility','holder')),
  from_at INTEGER NOT NULL DEFAULT 0,
  until_at INTEGER,                                     -- NULL: no end; else the deadline or the delegation's end
  PRIMARY KEY(activity_id, user_id, for_user_id, from_at)
) WITHOUT ROWID;
CREATE INDEX may_act_user ON may_act(user_id, activity_id);
CREATE INDEX may_act_for ON may_act(for_user_id);
