-- Shared rate-limit counters for instances on one PostgreSQL database
-- (rate-limiter-flexible's Postgres store layout; expire is epoch ms).
create table rate_limits (
  key varchar(255) primary key,
  points integer not null default 0,
  expire bigint
);
create index rate_limits_expire_idx on rate_limits (expire);
