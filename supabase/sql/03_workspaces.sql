-- Workspaces: list, read, create, rename, delete (audited), and the
-- navigation's counts.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

-- The home page's cards: counts, and each workspace's spend from the usage
-- ledger over the last 30 UTC days (today and the 29 before, as on the Costs
-- page) and in all. A figure's provenance is "estimated" when any record in it
-- is estimated or has no price, "reported" when all were reported, "included"
-- when all were included in a subscription, null with no records (decision 042).
create or replace function list_workspaces() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(row_to_json(w)::jsonb order by w.name, w.id), '[]'::jsonb)
  from (
    select ws.id, ws.slug, ws.name, ws.icon, ws.created_at,
           coalesce(tc.counts, '{}'::jsonb) as task_counts,
           coalesce(tc.total, 0) as task_total,
           coalesce(ac.n, 0) as agent_count,
           jsonb_build_object(
             'd30', jsonb_build_object('cost_usd', sp.d30_usd, 'records', sp.d30_n,
                                       'provenance', case when sp.d30_n = 0 then null when sp.d30_est then 'estimated'
                                                          when sp.d30_rep then 'reported' else 'included' end),
             'total', jsonb_build_object('cost_usd', sp.total_usd, 'records', sp.total_n,
                                         'provenance', case when sp.total_n = 0 then null when sp.total_est then 'estimated'
                                                            when sp.total_rep then 'reported' else 'included' end)) as spend
    from workspaces ws
    left join lateral (
      select jsonb_object_agg(status, n) as counts, sum(n)::int as total
      from (select status, count(*)::int as n from tasks where workspace_id = ws.id and deleted_at is null group by status) s
    ) tc on true
    left join lateral (select count(*)::int as n from agents where workspace_id = ws.id) ac on true
    cross join lateral (select date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '29 days' as since) d
    left join lateral (
      select coalesce(sum(u.cost_usd), 0) as total_usd, count(*)::int as total_n,
             coalesce(bool_or(u.provenance in ('estimated', 'unpriced')), false) as total_est,
             coalesce(bool_or(u.provenance = 'reported'), false) as total_rep,
             coalesce(sum(u.cost_usd) filter (where u.created_at >= d.since), 0) as d30_usd,
             (count(*) filter (where u.created_at >= d.since))::int as d30_n,
             coalesce(bool_or(u.provenance in ('estimated', 'unpriced')) filter (where u.created_at >= d.since), false) as d30_est,
             coalesce(bool_or(u.provenance = 'reported') filter (where u.created_at >= d.since), false) as d30_rep
      from usage_records u where u.workspace_id = ws.id
    ) sp on true
  ) w
$$;

create or replace function get_workspace_by_slug(p_slug text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', id, 'slug', slug, 'name', name, 'icon', icon, 'created_at', created_at)
  from workspaces where slug = p_slug
$$;

create or replace function create_workspace(p_name text, p_slug text, p_icon text, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_ws workspaces;
begin
  if exists (select 1 from workspaces where slug = p_slug) then
    perform raise_app_error('conflict', 'A workspace with that address already exists.',
      jsonb_build_object('fields', jsonb_build_object('slug', 'Already taken')));
  end if;
  insert into workspaces (name, slug, icon) values (btrim(p_name), p_slug, coalesce(nullif(p_icon, ''), '🛰️'))
  returning * into v_ws;
  perform emit_event('workspace.created', v_ws.id, null, null, p_actor,
    jsonb_build_object('name', v_ws.name, 'slug', v_ws.slug));
  return jsonb_build_object('id', v_ws.id, 'slug', v_ws.slug, 'name', v_ws.name, 'icon', v_ws.icon);
end $$;

create or replace function update_workspace(p_workspace_id uuid, p_name text, p_icon text, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_ws workspaces;
begin
  update workspaces set name = btrim(p_name), icon = coalesce(nullif(p_icon, ''), icon)
  where id = p_workspace_id returning * into v_ws;
  if not found then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  perform emit_event('workspace.updated', v_ws.id, null, null, p_actor,
    jsonb_build_object('name', v_ws.name, 'icon', v_ws.icon));
  return jsonb_build_object('id', v_ws.id, 'slug', v_ws.slug, 'name', v_ws.name, 'icon', v_ws.icon);
end $$;

-- Refuses while the workspace still holds tasks or agents, naming the counts.
create or replace function delete_workspace(p_workspace_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_ws workspaces;
  v_tasks int;
  v_agents int;
begin
  select * into v_ws from workspaces where id = p_workspace_id for update;
  if not found then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  select count(*) into v_tasks from tasks where workspace_id = p_workspace_id and deleted_at is null;
  select count(*) into v_agents from agents where workspace_id = p_workspace_id;
  if v_tasks > 0 or v_agents > 0 then
    perform raise_app_error('conflict',
      format('This workspace still has %s task(s) and %s agent(s). Delete or move them first.', v_tasks, v_agents),
      jsonb_build_object('tasks', v_tasks, 'agents', v_agents));
  end if;
  -- Tasks deleted but still in their undo window go with their workspace.
  delete from tasks where workspace_id = p_workspace_id and deleted_at is not null;
  delete from workspaces where id = p_workspace_id;
  perform append_audit('workspace.deleted', p_actor, jsonb_build_object('workspace_id', p_workspace_id),
    jsonb_build_object('name', v_ws.name, 'slug', v_ws.slug));
  perform emit_event('workspace.deleted', p_workspace_id, null, null, p_actor, '{}'::jsonb);
  return jsonb_build_object('id', p_workspace_id, 'deleted', true);
end $$;

-- The top bar of every page needs only each workspace's slug, name and icon.
-- list_workspaces also counts every task of every workspace (for the
-- workspaces page): 3 ms at 20,000 tasks and growing with them, on every page.
create or replace function list_workspace_nav() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('slug', slug, 'name', name, 'icon', icon) order by name, id), '[]'::jsonb)
  from workspaces
$$;

-- The hosts this workspace's URL deliverables may be fetched from by the
-- testing stage (a JSON array of names). Admins only (the server fetches
-- them); each host is lower case, a name or "*." and a name, never an address with a port or path.
create or replace function set_workspace_url_allowlist(p_workspace_id uuid, p_hosts jsonb, p_user_id uuid) returns jsonb
language plpgsql as $$
declare
  v_user users;
  v_ws workspaces;
  v_old text[];
  v_hosts text[];
  v_actor jsonb;
begin
  select * into v_user from users where id = p_user_id and disabled_at is null;
  if not found or v_user.role <> 'admin' then
    perform raise_app_error('forbidden', 'Only admins change which hosts the testing stage may fetch.');
  end if;
  select coalesce(array_agg(distinct lower(btrim(h)) order by lower(btrim(h))), '{}') into v_hosts
  from jsonb_array_elements_text(case when jsonb_typeof(p_hosts) = 'array' then p_hosts else '[]'::jsonb end) h where btrim(h) <> '';
  if cardinality(v_hosts) > 100 then
    perform raise_app_error('invalid', 'At most 100 hosts.', jsonb_build_object('fields', jsonb_build_object('hosts', 'At most 100 hosts')));
  end if;
  if exists (select 1 from unnest(v_hosts) h where char_length(h) > 253 or h !~ '^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$') then
    perform raise_app_error('invalid', 'Each host is a name like example.com or *.example.com.',
      jsonb_build_object('fields', jsonb_build_object('hosts', 'Each host is a name like example.com or *.example.com')));
  end if;
  select url_allowlist into v_old from workspaces where id = p_workspace_id for update;
  update workspaces set url_allowlist = v_hosts where id = p_workspace_id returning * into v_ws;
  if not found then
    perform raise_app_error('not_found', 'Workspace not found.');
  end if;
  v_actor := jsonb_build_object('type', 'user', 'id', v_user.id, 'name', v_user.name);
  perform append_audit('workspace.url_allowlist_changed', v_actor, jsonb_build_object('workspace_id', v_ws.id),
                       jsonb_build_object('from', to_jsonb(v_old), 'to', to_jsonb(v_hosts)));
  perform emit_event('workspace.updated', v_ws.id, null, null, v_actor, jsonb_build_object('name', v_ws.name, 'icon', v_ws.icon));
  return jsonb_build_object('id', v_ws.id, 'url_allowlist', to_jsonb(v_hosts));
end $$;

create or replace function workspace_url_allowlist(p_workspace_id uuid) returns jsonb
language sql stable as $$
  select to_jsonb(url_allowlist) from workspaces where id = p_workspace_id
$$;
