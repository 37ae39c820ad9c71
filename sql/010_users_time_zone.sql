-- 010_users_time_zone.sql — each person's time zone (a tz database name such as
-- "Europe/Berlin"), used for the times on pages, in e-mails and in PDF reports; '' means
-- not chosen yet: times are shown in UTC until the person signs in from a browser that
-- tells its zone, or chooses one on their page.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
