-- The model price table and the ledger's cost provenance.
--
-- Prices are versioned and effective-dated: a change inserts a new version,
-- a row is never updated in place (a trigger refuses it). record_usage prices
-- a report without a reported cost with the row in effect at the record's
-- time and names the version it used. The same math lives in
-- app/domain/costs.ts; an integration test keeps the two equal.
--
-- Model names match exactly after normalising (trimmed, lower case); a name
-- with a provider prefix ("anthropic/claude-sonnet-4") is tried in full first,
-- then without everything up to its last "/".

create table model_prices (
  id uuid primary key default gen_random_uuid(),
  model text not null check (model ~ '^[a-z0-9][a-z0-9._:/@-]{0,199}$'),
  version int not null check (version >= 1),
  -- USD per million tokens.
  input_usd_per_mtok numeric(12, 6) not null default 0 check (input_usd_per_mtok >= 0),
  output_usd_per_mtok numeric(12, 6) not null default 0 check (output_usd_per_mtok >= 0),
  cache_read_usd_per_mtok numeric(12, 6) not null default 0 check (cache_read_usd_per_mtok >= 0),
  cache_write_usd_per_mtok numeric(12, 6) not null default 0 check (cache_write_usd_per_mtok >= 0),
  -- Subscription models: tokens are counted, no dollars are invented.
  included boolean not null default false,
  effective_from timestamptz not null,
  note text not null default '' check (char_length(note) <= 500),
  created_by jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (model, version)
);
create index model_prices_lookup_idx on model_prices (model, effective_from desc, version desc);
alter table model_prices enable row level security;

create or replace function prevent_price_rewrite() returns trigger
language plpgsql as $$
begin
  raise exception 'model prices are never changed in place: add a new version' using errcode = 'P0001', hint = 'conflict';
end $$;
create trigger model_prices_append_only before update or delete on model_prices
  for each row execute function prevent_price_rewrite();

-- Public list prices at seeding time (2025), for a first estimate; admins add
-- a new version when a provider changes its prices.
insert into model_prices (model, version, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok, effective_from, note, created_by)
values
  ('claude-sonnet-4', 1, 3, 15, 0.30, 3.75, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('claude-sonnet-4-20250514', 1, 3, 15, 0.30, 3.75, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('claude-3-5-haiku', 1, 0.80, 4, 0.08, 1, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('claude-3-5-haiku-20241022', 1, 0.80, 4, 0.08, 1, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('gpt-4o', 1, 2.50, 10, 1.25, 0, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}'),
  ('gpt-4o-mini', 1, 0.15, 0.60, 0.075, 0, '2024-01-01T00:00:00Z', 'List price at seeding time', '{"type":"system","name":"seed"}');

create or replace function normalize_model_name(p_model text) returns text
language sql immutable as $$
  select lower(btrim(coalesce(p_model, '')))
$$;

-- The price row in effect for a model at a time (null fields when none).
create or replace function price_for_model(p_model text, p_at timestamptz) returns model_prices
language sql stable as $$
  select p.* from model_prices p
  join (values (1, normalize_model_name(p_model)),
               (2, regexp_replace(normalize_model_name(p_model), '^.*/', ''))) n(ord, name) on p.model = n.name
  where p.effective_from <= p_at
  order by n.ord, p.effective_from desc, p.version desc
  limit 1
$$;

-- Cost of one report at one price row: USD, rounded to 6 decimals (half away
-- from zero, as numeric round does and app/domain/costs.ts mirrors).
create or replace function usage_cost(p_price model_prices, p_usage jsonb) returns numeric
language sql immutable as $$
  select round((coalesce((p_usage->>'input_tokens')::numeric, 0) * p_price.input_usd_per_mtok
              + coalesce((p_usage->>'output_tokens')::numeric, 0) * p_price.output_usd_per_mtok
              + coalesce((p_usage->>'cache_read_tokens')::numeric, 0) * p_price.cache_read_usd_per_mtok
              + coalesce((p_usage->>'cache_write_tokens')::numeric, 0) * p_price.cache_write_usd_per_mtok) / 1000000, 6)
$$;

-- What a report costs and where the figure comes from: included (subscription
-- model: no dollars, even if some were reported), reported, estimated from the
-- price table (with its version), or unpriced (no cost and no known price).
create or replace function price_usage(p_usage jsonb, p_at timestamptz) returns jsonb
language plpgsql stable as $$
declare
  v_price model_prices;
  v_reported numeric := round((p_usage->>'cost_usd')::numeric, 6);
begin
  v_price := price_for_model(p_usage->>'model', p_at);
  if v_price.included then
    return jsonb_build_object('cost_usd', null, 'provenance', 'included', 'price_id', v_price.id, 'price_version', v_price.version);
  elsif v_reported is not null then
    return jsonb_build_object('cost_usd', v_reported, 'provenance', 'reported', 'price_id', null, 'price_version', null);
  elsif v_price.id is not null then
    return jsonb_build_object('cost_usd', usage_cost(v_price, p_usage), 'provenance', 'estimated', 'price_id', v_price.id, 'price_version', v_price.version);
  end if;
  return jsonb_build_object('cost_usd', null, 'provenance', 'unpriced', 'price_id', null, 'price_version', null);
end $$;

-- For the admin page and the SQL-vs-domain cross-check.
create or replace function estimate_usage_cost(p_usage jsonb, p_at timestamptz default null) returns jsonb
language sql stable as $$
  select price_usage(p_usage, coalesce(p_at, now()))
$$;

alter table usage_records drop constraint usage_records_provenance_check;
alter table usage_records
  add constraint usage_records_provenance_check check (provenance in ('reported', 'estimated', 'included', 'unpriced')),
  add column price_id uuid references model_prices (id) on delete restrict,
  add column price_version int;
create index usage_records_agent_time_idx on usage_records (agent_id, created_at);

-- How sure the task's cost figure is, the weakest of its records:
-- unpriced > estimated > reported > included. Kept by record_usage only.
alter table tasks add column cost_provenance text check (cost_provenance in ('reported', 'estimated', 'included', 'unpriced'));

create or replace function provenance_rank(p text) returns int
language sql immutable as $$
  select case p when 'included' then 1 when 'reported' then 2 when 'estimated' then 3 when 'unpriced' then 4 else 0 end
$$;

create or replace function list_model_prices() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
    'id', p.id, 'model', p.model, 'version', p.version,
    'input_usd_per_mtok', p.input_usd_per_mtok, 'output_usd_per_mtok', p.output_usd_per_mtok,
    'cache_read_usd_per_mtok', p.cache_read_usd_per_mtok, 'cache_write_usd_per_mtok', p.cache_write_usd_per_mtok,
    'included', p.included, 'effective_from', p.effective_from, 'note', p.note, 'created_at', p.created_at,
    'current', p.id = (price_for_model(p.model, now())).id)
    order by p.model, p.version desc), '[]'::jsonb)
  from model_prices p
$$;

-- Adds a model or a new price version of one (never edits an old one). A new
-- version may not take effect before the version it follows.
create or replace function add_model_price(p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_model text := normalize_model_name(p_fields->>'model');
  v_from timestamptz := coalesce((p_fields->>'effective_from')::timestamptz, now());
  v_last model_prices;
  v_row model_prices;
begin
  if v_model !~ '^[a-z0-9][a-z0-9._:/@-]{0,199}$' then
    perform raise_app_error('invalid', 'A model name is letters, digits and . _ : / @ -.', jsonb_build_object('fields', jsonb_build_object('model', 'Use letters, digits and . _ : / @ -')));
  end if;
  perform pg_advisory_xact_lock(hashtext('mc.model_prices:' || v_model));
  select * into v_last from model_prices where model = v_model order by version desc limit 1;
  if v_last.id is not null and v_from < v_last.effective_from then
    perform raise_app_error('invalid', format('Version %s of %s takes effect %s; a new version cannot take effect before it.', v_last.version, v_model, v_last.effective_from),
      jsonb_build_object('fields', jsonb_build_object('effective_from', 'Must not be before the current version''s start')));
  end if;
  insert into model_prices (model, version, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok,
                            included, effective_from, note, created_by)
  values (v_model, coalesce(v_last.version, 0) + 1,
          coalesce((p_fields->>'input_usd_per_mtok')::numeric, 0), coalesce((p_fields->>'output_usd_per_mtok')::numeric, 0),
          coalesce((p_fields->>'cache_read_usd_per_mtok')::numeric, 0), coalesce((p_fields->>'cache_write_usd_per_mtok')::numeric, 0),
          coalesce((p_fields->>'included')::boolean, false), v_from, coalesce(p_fields->>'note', ''), coalesce(p_actor, '{}'::jsonb))
  returning * into v_row;
  perform append_audit('model_price.added', p_actor, jsonb_build_object('model', v_model, 'version', v_row.version),
    to_jsonb(v_row) - 'created_by' - 'created_at');
  return jsonb_build_object('id', v_row.id, 'model', v_row.model, 'version', v_row.version);
end $$;

-- Records one usage report. Idempotent per (source, dedupe key); prices it
-- (see price_usage); keeps the task's token_usage, estimated_cost and
-- cost_provenance in step, settles the run's budget reservation and emits
-- budget warnings, all in the same transaction.
create or replace function record_usage(p_task_id uuid, p_source text, p_dedupe_key text, p_run_id text, p_usage jsonb)
returns jsonb language plpgsql as $$
declare
  v_task tasks;
  v_id uuid;
  v_tokens bigint;
  v_priced jsonb;
  v_cost numeric;
begin
  select * into v_task from tasks where id = p_task_id;
  if not found then
    perform raise_app_error('not_found', 'Task not found.');
  end if;
  v_priced := price_usage(p_usage, now());
  v_cost := (v_priced->>'cost_usd')::numeric;
  insert into usage_records (task_id, agent_id, workspace_id, session_key, run_id, source, dedupe_key, model,
                             input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd,
                             provenance, price_id, price_version)
  values (p_task_id, v_task.assigned_agent_id, v_task.workspace_id, v_task.session_key, p_run_id, p_source, p_dedupe_key,
          coalesce(p_usage->>'model', ''), coalesce((p_usage->>'input_tokens')::bigint, 0),
          coalesce((p_usage->>'output_tokens')::bigint, 0), coalesce((p_usage->>'cache_read_tokens')::bigint, 0),
          coalesce((p_usage->>'cache_write_tokens')::bigint, 0), v_cost,
          v_priced->>'provenance', (v_priced->>'price_id')::uuid, (v_priced->>'price_version')::int)
  on conflict (source, dedupe_key) where dedupe_key is not null do nothing
  returning id into v_id;
  if v_id is null then
    return jsonb_build_object('recorded', false, 'duplicate', true);
  end if;
  v_tokens := coalesce((p_usage->>'input_tokens')::bigint, 0) + coalesce((p_usage->>'output_tokens')::bigint, 0)
            + coalesce((p_usage->>'cache_read_tokens')::bigint, 0) + coalesce((p_usage->>'cache_write_tokens')::bigint, 0);
  update tasks set token_usage = token_usage + v_tokens, estimated_cost = estimated_cost + coalesce(v_cost, 0),
                   cost_provenance = case when provenance_rank(v_priced->>'provenance') > provenance_rank(cost_provenance)
                                          then v_priced->>'provenance' else cost_provenance end
  where id = p_task_id;
  perform settle_budget_reservation(p_task_id, v_id, v_cost);
  perform check_budget_warnings(v_task);
  perform emit_event('usage.recorded', v_task.workspace_id, v_task.id, v_task.assigned_agent_id,
    jsonb_build_object('type', case when p_source = 'gateway' then 'system' else 'agent' end, 'name', p_source),
    jsonb_build_object('usage_id', v_id, 'source', p_source, 'tokens', v_tokens, 'cost_usd', v_cost, 'model', p_usage->>'model',
                       'provenance', v_priced->>'provenance', 'price_version', v_priced->'price_version'));
  return jsonb_build_object('recorded', true, 'id', v_id, 'tokens', v_tokens, 'cost_usd', v_cost,
                            'provenance', v_priced->>'provenance', 'price_version', v_priced->'price_version');
end $$;
