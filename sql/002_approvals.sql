-- 002_approvals.sql — reminders already sent, so each fires once per round.
CREATE TABLE reminders_sent(
  activity_id INTEGER NOT NULL REFERENCES activities(id),
  round INTEGER NOT NULL,
  offset_s INTEGER NOT NULL,            -- seconds before the deadline
  sent_at INTEGER NOT NULL,
  PRIMARY KEY(activity_id, round, offset_s)
);
CREATE INDEX delegations_delegate ON delegations(delegate_id, starts_at, ends_at);
