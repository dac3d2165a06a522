import { beforeAll, describe, expect, it } from "vitest";
import {
  AUTONOMY_LEVELS,
  type AutonomyLevel,
  GATED_ACTIONS,
  type GatedAction,
  type GateDecision,
  RISKS,
  type Risk,
  decideGate,
  effectiveLevel,
} from "#app/domain/autonomy";
import { TRANSPORTS, type Transport, useTestDatabase } from "#tests/support/databases";
import { createAgent, createWorkspace, query, unique } from "#tests/support/fixtures";

// The autonomy policy's TypeScript mirror (app/domain/autonomy.ts) against the
// database, on real rows, for every combination of what the policy reads:
// the agent's level (or no agent), the task type's level and risk (or no
// type), the pipeline stage's level and advance gate (or no stage), a
// standing grant or none, and an action the task type gates or does not.

interface TypeCase {
  level: AutonomyLevel;
  risk: Risk;
  /** Whether the type gates all four actions or none. */
  gates: boolean;
}
interface StageCase {
  level: AutonomyLevel;
  gateAdvance: boolean;
}
interface Case {
  agent: AutonomyLevel | null;
  type: TypeCase | null;
  stage: StageCase | null;
  grant: boolean;
}

const VETO_MINUTES = 7;
/** What a task with no type gates, and its veto window. */
const UNTYPED = { gated: ["agent_action"] as GatedAction[], vetoMinutes: 10 };

/**
 * The approval action a standing grant names for each gated action: the
 * system's own for dispatch and review, the agent's own name for an agent
 * action. null: no path consults a grant for it (see the exemptions).
 */
const GRANT_ACTION: Record<GatedAction, string | null> = {
  dispatch: "task.dispatch",
  review_done: "task.review_done",
  stage_advance: null,
  agent_action: "publish_note",
};

const orNull = <T>(values: readonly T[]): Array<T | null> => [null, ...values];
const TYPES: TypeCase[] = AUTONOMY_LEVELS.flatMap((level) =>
  // A high-risk type is never autonomous (task_types_high_risk_not_autonomous).
  RISKS.filter((risk) => !(risk === "high" && level === "autonomous")).flatMap((risk) => [true, false].map((gates) => ({ level, risk, gates }))),
);
const STAGES: StageCase[] = AUTONOMY_LEVELS.flatMap((level) => [true, false].map((gateAdvance) => ({ level, gateAdvance })));
const CASES: Case[] = orNull(AUTONOMY_LEVELS).flatMap((agent) =>
  orNull(TYPES).flatMap((type) => orNull(STAGES).flatMap((stage) => [true, false].map((grant) => ({ agent, type, stage, grant })))),
);

type Outcome = { gate: "allow" } | { gate: "hotl"; veto_minutes: number } | { gate: "hitl" };

function outcomeOf(decision: GateDecision): Outcome {
  if (decision.kind === "allow") return { gate: "allow" };
  if (decision.kind === "veto_window") return { gate: "hotl", veto_minutes: decision.minutes };
  return { gate: "hitl" };
}

/** What the mirror decides for one action on one case. */
function mirror(c: Case, action: GatedAction): { level: AutonomyLevel; outcome: Outcome } {
  const risk = c.type?.risk ?? "low";
  const level = effectiveLevel({ agent: c.agent, taskType: c.type?.level ?? null, stage: c.stage?.level ?? null, risk });
  const typeGates = c.type ? (c.type.gates ? [...GATED_ACTIONS] : []) : UNTYPED.gated;
  // A stage whose advance is gated gates the stage_advance action whatever the type says.
  const gated = c.stage?.gateAdvance ? [...typeGates, "stage_advance" as const] : typeGates;
  const vetoMinutes = c.type ? VETO_MINUTES : UNTYPED.vetoMinutes;
  return { level, outcome: outcomeOf(decideGate({ action, gated, level, vetoMinutes, standingGrant: c.grant, risk })) };
}

/**
 * Combinations where the database does not yet decide by the policy. Each must
 * still cover at least one disagreement: once the SQL follows the policy the
 * "still differ" test fails, and the exemption goes.
 */
const EXEMPT: Array<{ why: string; applies: (c: Case, action: GatedAction) => boolean }> = [
  {
    // request_stage_advance asks task_gate only; no standing grant lets an advance through.
    why: "a stage advance ignores standing grants",
    applies: (c, action) => action === "stage_advance" && c.grant,
  },
];

describe.each(TRANSPORTS)("the autonomy policy's mirror on %s", (kind: Transport) => {
  const db = useTestDatabase(kind);
  const taskIds: string[] = [];

  beforeAll(async () => {
    const ws = await createWorkspace(db());
    const agents = new Map<AutonomyLevel, string>();
    for (const level of AUTONOMY_LEVELS) {
      const agent = await createAgent(db(), ws.id);
      await query(db(), "update agents set autonomy_level = $2 where id = $1", [agent.id, level]);
      agents.set(level, agent.id);
    }
    const types = await query<{ id: string }>(
      db(),
      `insert into task_types (key, name, risk, default_autonomy, gated_actions, veto_minutes)
       select 'mirror_' || i, 'Mirror ' || i, c->>'risk', c->>'level',
              case when (c->>'gates')::boolean then $2::text[] else '{}' end, $3
         from jsonb_array_elements($1::text::jsonb) with ordinality as x(c, i)
        order by i
       returning id`,
      [JSON.stringify(TYPES), GATED_ACTIONS, VETO_MINUTES],
    );
    // One pipeline per stage case, its first stage carrying the case.
    const stages: string[] = [];
    const pipelines: string[] = [];
    for (const stage of STAGES) {
      const [p] = await query<{ id: string }>(db(), "insert into pipelines (workspace_id, name) values ($1, $2) returning id", [ws.id, unique("mirror")]);
      const [s] = await query<{ id: string }>(
        db(),
        "insert into pipeline_stages (pipeline_id, position, name, agent_id, autonomy_level, gate_advance) values ($1, 1, 'Only', $2, $3, $4) returning id",
        [p!.id, agents.get("hitl"), stage.level, stage.gateAdvance],
      );
      pipelines.push(p!.id);
      stages.push(s!.id);
    }
    const rows = CASES.map((c) => ({
      agent_id: c.agent ? agents.get(c.agent) : null,
      task_type_id: c.type ? types[TYPES.indexOf(c.type)]!.id : null,
      pipeline_id: c.stage ? pipelines[STAGES.indexOf(c.stage)] : null,
      stage_id: c.stage ? stages[STAGES.indexOf(c.stage)] : null,
    }));
    const tasks = await query<{ id: string }>(
      db(),
      `insert into tasks (workspace_id, title, status, assigned_agent_id, task_type_id, pipeline_id, stage_id)
       select $2, 'Mirror ' || i, 'review', (r->>'agent_id')::uuid, (r->>'task_type_id')::uuid, (r->>'pipeline_id')::uuid, (r->>'stage_id')::uuid
         from jsonb_array_elements($1::text::jsonb) with ordinality as x(r, i)
        order by i
       returning id`,
      [JSON.stringify(rows), ws.id],
    );
    taskIds.push(...tasks.map((t) => t.id));
    const grants = CASES.flatMap((c, i) => (c.grant ? Object.values(GRANT_ACTION).flatMap((action) => (action ? [{ task_id: taskIds[i], action }] : [])) : []));
    await query(
      db(),
      "insert into standing_grants (task_id, action) select (g->>'task_id')::uuid, g->>'action' from jsonb_array_elements($1::text::jsonb) g",
      [JSON.stringify(grants)],
    );
  });

  it("builds every combination", () => {
    // 4 agent levels (one missing) × 17 task types (one missing) × 7 stages (one missing) × 2 grants.
    expect(CASES).toHaveLength(4 * 17 * 7 * 2);
    expect(taskIds).toHaveLength(CASES.length);
  });

  it("reads the same inputs: policy_context reports what the mirror is given", async () => {
    const rows = await query<{ i: number; ctx: Record<string, unknown> }>(
      db(),
      "select i::int, policy_context(id) as ctx from unnest($1::uuid[]) with ordinality as x(id, i)",
      [taskIds],
    );
    expect(rows).toHaveLength(CASES.length);
    for (const row of rows) {
      const c = CASES[row.i - 1]!;
      expect(row.ctx, JSON.stringify(c)).toMatchObject({
        agent_level: c.agent ?? "hitl",
        type_level: c.type?.level ?? null,
        stage_level: c.stage?.level ?? null,
        risk: c.type?.risk ?? "low",
        gated_actions: c.type ? (c.type.gates ? [...GATED_ACTIONS] : []) : UNTYPED.gated,
        veto_minutes: c.type ? VETO_MINUTES : UNTYPED.vetoMinutes,
      });
    }
  });

  let decided: ReturnType<typeof decide> | undefined;
  /** Every case × action, decided by the database and by the mirror; asked once per database. */
  const decisions = () => (decided ??= decide());

  async function decide() {
    const probes = CASES.flatMap((c, i) => GATED_ACTIONS.map((action) => ({ c, action, task_id: taskIds[i]!, grant_action: GRANT_ACTION[action] })));
    const rows = await query<{ i: number; gate: string; level: string; veto_minutes: number; granted: boolean | null }>(
      db(),
      `select i::int, g->>'gate' as gate, g->>'level' as level, (g->>'veto_minutes')::int as veto_minutes,
              case when p->>'grant_action' is not null then has_standing_grant((p->>'task_id')::uuid, p->>'grant_action') end as granted
         from jsonb_array_elements($1::text::jsonb) with ordinality as x(p, i)
         cross join lateral (select task_gate((p->>'task_id')::uuid, p->>'action') as g) t`,
      [JSON.stringify(probes.map(({ task_id, action, grant_action }) => ({ task_id, action, grant_action })))],
    );
    expect(rows).toHaveLength(probes.length);
    return rows.map((row) => {
      const { c, action } = probes[row.i - 1]!;
      // As the SQL that acts on a gate applies it: allowed by the gate, else
      // by a standing grant where that path consults one, else held.
      const sql: Outcome =
        row.gate === "allow" || row.granted === true
          ? { gate: "allow" }
          : row.gate === "hotl"
            ? { gate: "hotl", veto_minutes: row.veto_minutes }
            : { gate: row.gate as "hitl" };
      return { c, action, sql: { level: row.level, outcome: sql }, ts: mirror(c, action) };
    });
  }

  it("decides as the database for every combination and gated action", async () => {
    const mismatches = (await decisions())
      .filter(({ c, action }) => !EXEMPT.some((e) => e.applies(c, action)))
      .filter(({ sql, ts }) => JSON.stringify(sql) !== JSON.stringify(ts));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("still differs from the database where an exemption says so", async () => {
    const all = await decisions();
    for (const exemption of EXEMPT) {
      const differ = all.filter(({ c, action, sql, ts }) => exemption.applies(c, action) && JSON.stringify(sql) !== JSON.stringify(ts));
      expect(differ.length, `no disagreement left for "${exemption.why}": remove the exemption`).toBeGreaterThan(0);
    }
  });
});
