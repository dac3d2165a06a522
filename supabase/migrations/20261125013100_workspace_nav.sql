-- The top bar of every page needs only each workspace's slug, name and icon.
-- list_workspaces also counts every task of every workspace (for the
-- workspaces page): 3 ms at 20,000 tasks and growing with them, on every page.
create or replace function list_workspace_nav() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('slug', slug, 'name', name, 'icon', icon) order by name, id), '[]'::jsonb)
  from workspaces
$$;
