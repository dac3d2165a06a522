import type { SqlDatabase } from "#app/db/types";

// A large, deterministic usage history for scale checks of the cost and
// analytics aggregates: several workspaces, agents, tasks and `rows` ledger
// records spread over `days` days before `now`, with every provenance
// (reported, estimated, no cost). Set-based SQL, so 100,000 rows take seconds.

export interface UsageSeed {
  workspaceIds: string[];
  rows: number;
}

export async function seedUsageHistory(
  db: SqlDatabase,
  options: { rows?: number; workspaces?: number; agentsPerWorkspace?: number; tasksPerWorkspace?: number; days?: number; now?: string } = {},
): Promise<UsageSeed> {
  const rows = options.rows ?? 100_000;
  const workspaces = options.workspaces ?? 3;
  const agents = options.agentsPerWorkspace ?? 5;
  const tasks = options.tasksPerWorkspace ?? 300;
  const days = options.days ?? 90;
  const now = options.now ?? new Date().toISOString();
  const tag = Math.random().toString(36).slice(2, 8);
  return db.session(async (s) => {
    const ws = await s.query<{ id: string }>(
      `insert into workspaces (name, slug) select 'Seed ' || i, 'seed-${tag}-' || i from generate_series(1, $1::int) i returning id`,
      [workspaces],
    );
    await s.query(
      `insert into agents (workspace_id, name, autonomy_level)
       select w.id, 'Seed agent ' || i, (array['hitl', 'hotl', 'autonomous'])[1 + i % 3]
       from workspaces w cross join generate_series(1, $2::int) i where w.slug like $1`,
      [`seed-${tag}-%`, agents],
    );
    // Done tasks with a dispatch and a done move, so agent figures have work to read.
    await s.query(
      `with t as (
         insert into tasks (workspace_id, title, status, assigned_agent_id, created_at, status_changed_at)
         select w.id, 'Seed task ' || i, 'done',
                (select a.id from agents a where a.workspace_id = w.id order by a.name offset (i % $2::int) limit 1),
                $3::timestamptz - make_interval(hours => (i * 7) % ($4::int * 24)) - interval '2 hours',
                $3::timestamptz - make_interval(hours => (i * 7) % ($4::int * 24))
         from workspaces w cross join generate_series(1, $5::int) i where w.slug like $1
         returning id, created_at, status_changed_at
       )
       insert into task_activities (task_id, type, message, metadata, actor_type, created_at)
       select id, 'dispatched', 'Dispatched', '{}'::jsonb, 'system', created_at + interval '10 minutes' from t
       union all
       select id, 'status_changed', 'Moved', '{"from":"review","to":"done"}'::jsonb, 'user', status_changed_at from t`,
      [`seed-${tag}-%`, agents, now, days, tasks],
    );
    await s.query(
      `with t as (
         select row_number() over (order by t.id) - 1 as k, t.id, t.workspace_id, t.assigned_agent_id
         from tasks t join workspaces w on w.id = t.workspace_id where w.slug like $1
       ), n as (select count(*) as c from t)
       insert into usage_records (task_id, agent_id, workspace_id, source, model, input_tokens, output_tokens,
                                  cache_read_tokens, cost_usd, provenance, created_at)
       select t.id, t.assigned_agent_id, t.workspace_id, 'agent_api',
              (array['gpt-5', 'claude-sonnet', 'local-small', 'gemini-pro'])[1 + g % 4],
              1000 + g % 5000, 200 + g % 900, g % 300,
              case when g % 10 = 0 then null else round(((g % 97) / 1000.0)::numeric, 6) end,
              case when g % 3 = 0 then 'estimated' else 'reported' end,
              $2::timestamptz - make_interval(secs => (g::bigint * 7919) % ($3::int * 86400))
       from generate_series(0, $4::int - 1) g cross join n join t on t.k = g % n.c`,
      [`seed-${tag}-%`, now, days, rows],
    );
    await s.exec("analyze usage_records; analyze tasks; analyze task_activities; analyze approvals");
    return { workspaceIds: ws.map((w) => w.id), rows };
  });
}
