-- Each user's time zone (an IANA name such as Europe/Paris), in which pages
-- show times and a due day ends. Null until the browser reports one or the
-- user picks one; the app reads null as UTC. The app checks the name against
-- the zones Intl knows before storing it; the database only bounds its length.
alter table users add column time_zone text check (time_zone is null or char_length(time_zone) between 1 and 64);
