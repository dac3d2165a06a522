import { beforeAll, describe, expect, it } from "vitest";
import { AUTONOMY_LEVELS, type AutonomyLevel, GATED_ACTIONS, type GatedAction, RISKS, type Risk } from "#app/domain/autonomy";
import { type GateDecision, decideGate, effectiveLevel } from "#tests/support/autonomy-policy";
import { TRANSPORTS, type Transport, useTestDatabase } from "#tests/support/databases";
import { createAgent, createWorkspace, query, unique } from "#tests/support/fixtures";

// The database's one gate (task_gate) against the policy as the tests state
// it (tests/support/autonomy-policy.ts), on real rows, for every combination of what the policy reads:
// the agent's level (or no agent), the task type's level and risk (or no
// type), the pipeline stage's level and advance gate (or no stage), a
// standing grant or none, and an action the task type gates or does not.

const ORDER: AutonomyLevel[] = ["hitl", "hotl", "autonomous"];
const min = (...levels: AutonomyLevel[]) => ORDER[Math.min(...levels.map((l) => ORDER.indexOf(l)))]!;

describe("effectiveLevel: every combination of agent, task type, stage and risk", () => {
  const optional: Array<AutonomyLevel | null> = [null, ...AUTONOMY_LEVELS];
  const rows: Array<[AutonomyLevel | null, AutonomyLevel | null, AutonomyLevel | null, (typeof RISKS)[number], AutonomyLevel]> = [];
  for (const agent of optional)
    for (const taskType of optional)
      for (const stage of optional)
        for (const risk of RISKS) {
          // No agent reads as hitl; a missing task type or stage sets no level.
          const strict = min(agent ?? "hitl", ...(taskType ? [taskType] : []), ...(stage ? [stage] : []));
          rows.push([agent, taskType, stage, risk, risk === "high" && strict === "autonomous" ? "hotl" : strict]);
        }

  it("covers 4 × 4 × 4 × 3 combinations", () => expect(rows).toHaveLength(192));

  it.each(rows)("agent %s, type %s, stage %s, risk %s → %s", (agent, taskType, stage, risk, expected) => {
    expect(effectiveLevel({ agent, taskType, stage, risk })).toBe(expected);
  });

  it("holds a task without an agent for a human, whatever its type and stage allow", () => {
    for (const taskType of optional) for (const stage of optional) expect(effectiveLevel({ agent: null, taskType, stage, risk: "low" })).toBe("hitl");
  });

  it("never yields autonomous for high risk", () => {
    for (const [agent, taskType, stage] of rows) expect(effectiveLevel({ agent, taskType, stage, risk: "high" })).not.toBe("autonomous");
  });
});

describe("decideGate", () => {
  it("lets an ungated action through whatever the level", () => {
    for (const level of AUTONOMY_LEVELS) {
      expect(decideGate({ action: "dispatch", gated: ["review_done"], level, vetoMinutes: 10, risk: "high" })).toEqual({ kind: "allow", by: "not_gated" });
    }
  });

  it.each(GATED_ACTIONS)("gates %s by level: autonomous runs, hotl waits a veto window, hitl needs approval", (action) => {
    const gated = [action];
    expect(decideGate({ action, gated, level: "autonomous", vetoMinutes: 10, risk: "low" })).toEqual({ kind: "allow", by: "autonomous" });
    expect(decideGate({ action, gated, level: "hotl", vetoMinutes: 7, risk: "medium" })).toEqual({ kind: "veto_window", minutes: 7, level: "hotl" });
    expect(decideGate({ action, gated, level: "hitl", vetoMinutes: 10, risk: "high" })).toEqual({ kind: "approval", level: "hitl" });
  });

  it("honours a standing grant for low risk only", () => {
    const base = { action: "agent_action" as const, gated: ["agent_action" as const], level: "hitl" as const, vetoMinutes: 10, standingGrant: true };
    expect(decideGate({ ...base, risk: "low" })).toEqual({ kind: "allow", by: "standing_grant" });
    expect(decideGate({ ...base, risk: "medium" })).toEqual({ kind: "approval", level: "hitl" });
    expect(decideGate({ ...base, risk: "high" })).toEqual({ kind: "approval", level: "hitl" });
  });
});

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
 * system's own for dispatch, review and stage advance, the agent's own name
 * for an agent action.
 */
const GRANT_ACTION: Record<GatedAction, string> = {
  dispatch: "task.dispatch",
  review_done: "task.review_done",
  stage_advance: "task.stage_advance",
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

type Outcome = { gate: "allow"; by: string } | { gate: "hotl"; veto_minutes: number } | { gate: "hitl" };

function outcomeOf(decision: GateDecision): Outcome {
  if (decision.kind === "allow") return { gate: "allow", by: decision.by };
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
    await query(db(), "insert into standing_grants (task_id, action) select (g->>'task_id')::uuid, g->>'action' from jsonb_array_elements($1::text::jsonb) g", [
      JSON.stringify(grants),
    ]);
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
    const rows = await query<{ i: number; gate: string; by: string | null; level: string; veto_minutes: number }>(
      db(),
      `select i::int, g->>'gate' as gate, g->>'by' as by, g->>'level' as level, (g->>'veto_minutes')::int as veto_minutes
         from jsonb_array_elements($1::text::jsonb) with ordinality as x(p, i)
         cross join lateral (select task_gate((p->>'task_id')::uuid, p->>'action', p->>'grant_action') as g) t`,
      [JSON.stringify(probes.map(({ task_id, action, grant_action }) => ({ task_id, action, grant_action })))],
    );
    expect(rows).toHaveLength(probes.length);
    return rows.map((row) => {
      const { c, action } = probes[row.i - 1]!;
      const sql: Outcome =
        row.gate === "allow"
          ? { gate: "allow", by: row.by ?? "" }
          : row.gate === "hotl"
            ? { gate: "hotl", veto_minutes: row.veto_minutes }
            : { gate: row.gate as "hitl" };
      return { c, action, sql: { level: row.level, outcome: sql }, ts: mirror(c, action) };
    });
  }

  it("decides as the database for every combination and gated action", async () => {
    const mismatches = (await decisions()).filter(({ sql, ts }) => JSON.stringify(sql) !== JSON.stringify(ts));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
