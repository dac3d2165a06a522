import { randomUUID } from "node:crypto";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, createWorkspace } from "#tests/support/fixtures";

// Large, realistic data through plain SQL (generate_series), fast enough to
// seed 100,000 rows in seconds. The mix: 80% done, the rest spread over the
// open columns, with nothing due for the heartbeat (assigned tasks wait for a
// later dispatch slot, leases run for a day, activity is recent).

export interface Base {
  workspaceId: string;
  slug: string;
  agentId: string;
  token: string;
}

export async function seedBase(db: SqlDatabase): Promise<Base> {
  const slug = `bench-${randomUUID().slice(0, 8)}`;
  const ws = await createWorkspace(db, { slug, name: slug });
  const agent = await createAgentWithToken(db, ws.id, { name: "Bench agent" });
  return { workspaceId: ws.id, slug: ws.slug, agentId: agent.id, token: agent.token };
}

const MIX = `case when g % 100 < 80 then 'done' when g % 100 < 83 then 'cancelled' when g % 100 < 89 then 'inbox'
  when g % 100 < 90 then 'planning' when g % 100 < 93 then 'assigned' when g % 100 < 97 then 'in_progress' else 'review' end`;

export async function seedTasks(db: SqlDatabase, base: Base, count: number, offset = 0): Promise<void> {
  const chunk = 20_000;
  for (let from = offset + 1; from <= offset + count; from += chunk) {
    const to = Math.min(offset + count, from + chunk - 1);
    await db.session((s) =>
      s.query(
        `insert into tasks (workspace_id, title, description, status, priority, assigned_agent_id, created_at, updated_at,
                            status_changed_at, last_activity_at, next_dispatch_at, lease_expires_at, session_key, current_run_id,
                            token_usage, estimated_cost)
         select $1::uuid, 'Bench task #' || g || ': ' || (array['Fix the login redirect', 'Write the weekly report', 'Migrate the billing export', 'Review the onboarding copy', 'Tune the search ranking'])[1 + g % 5],
                'Seeded for the benchmark. ' || repeat('Some realistic context for the agent. ', 1 + g % 6),
                st, (array['low', 'normal', 'normal', 'high', 'urgent'])[1 + g % 5],
                case when st in ('assigned', 'in_progress', 'review', 'done') then $2::uuid end,
                now() - make_interval(mins => g), now() - make_interval(secs => g), now() - make_interval(secs => g), now(),
                case when st = 'assigned' then now() + interval '1 day' end,
                case when st = 'in_progress' then now() + interval '1 day' end,
                case when st = 'in_progress' then 'agent:main:bench-' || gen_random_uuid() end,
                case when st = 'in_progress' then 'run-' || gen_random_uuid() end,
                case when st in ('done', 'review') then 1000 + g % 50000 else 0 end,
                case when st in ('done', 'review') then (g % 500) / 100.0 else 0 end
         from generate_series($3::int, $4::int) g, lateral (select ${MIX} as st) s`,
        [base.workspaceId, base.agentId, from, to],
      ),
    );
  }
  await db.session((s) => s.query("analyze tasks"));
}

/** Tasks the agent owns and is working on (for the write path). */
export async function seedRunning(db: SqlDatabase, base: Base, count: number): Promise<string[]> {
  const rows = await db.session((s) =>
    s.query<{ id: string }>(
      `insert into tasks (workspace_id, title, status, assigned_agent_id, session_key, current_run_id, lease_expires_at, dispatched_at)
       select $1::uuid, 'Running task ' || g, 'in_progress', $2::uuid, 'agent:main:bench-run-' || gen_random_uuid(), 'run-' || gen_random_uuid(),
              now() + interval '1 day', now()
       from generate_series(1, $3::int) g returning id`,
      [base.workspaceId, base.agentId, count],
    ),
  );
  return rows.map((r) => r.id);
}

export async function seedEvents(db: SqlDatabase, base: Base, count: number): Promise<void> {
  await db.session((s) =>
    s.query(
      `insert into events (type, workspace_id, actor_type, actor_name, payload)
       select 'task.updated', $1::uuid, 'system', 'bench', jsonb_build_object('title', 'Bench task #' || g, 'status', 'done', 'changed', '["status"]'::jsonb)
       from generate_series(1, $2::int) g`,
      [base.workspaceId, count],
    ),
  );
  await db.session((s) => s.query("analyze events"));
}

/** A PostgreSQL array literal of ids, for `= any($1::uuid[])` on either database. */
export function pgArray(ids: string[]): string {
  return `{${ids.join(",")}}`;
}
