import { beforeAll, describe, expect, it } from "vitest";
import { createAgent, createTask, createWorkspace, query } from "#tests/support/fixtures";
import { FormClient, TEST_ADMIN } from "#tests/support/http-client";
import { type Receiver, startReceiver } from "#tests/support/receiver";
import { useTestServer } from "#tests/support/test-server";
import { until as waitFor } from "#tests/support/until";

// The stop controls' route against the built server (decision 035): who may
// use which, bad input refused with a 400 that changes nothing, the banners
// while a stop holds, and the abort span (this server has no gateway, so
// every abort is recorded as failed, with the reason, on its task).
describe("stop controls over HTTP", () => {
  let otlp: Receiver;
  const app = useTestServer({
    env: async () => {
      otlp = await startReceiver();
      return { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: "mc-stop-test" };
    },
    after: () => otlp?.close(),
  });
  const clients = {} as Record<"viewer" | "operator" | "admin", FormClient>;
  let ws: { id: string; slug: string };
  let agentId: string;

  beforeAll(async () => {
    clients.admin = await app.setUpAdmin();
    for (const role of ["viewer", "operator"] as const) {
      await app.db.session((s) =>
        s.query("insert into users (email, name, role, password_hash) select $1, $2, $3, password_hash from users where role = 'admin'", [
          `${role}@stop.test`,
          `${role} person`,
          role,
        ]),
      );
      const client = new FormClient(app.url);
      await client.get("/login");
      expect((await client.post("/login", { email: `${role}@stop.test`, password: TEST_ADMIN.password, redirectTo: "/" })).status).toBe(302);
      clients[role] = client;
    }
    ws = await createWorkspace(app.db);
    agentId = (await createAgent(app.db, ws.id, { openclaw_agent_id: "main" })).id;
  });

  const post = async (who: keyof typeof clients, fields: Record<string, string>) => {
    await clients[who].get("/heartbeat");
    return clients[who].post("/stop", fields);
  };
  const emergencyOn = async () =>
    (await query<{ on: boolean }>(app.db, "select coalesce(bool_or(emergency_stop_at is not null), false) as on from installation_controls"))[0]!.on;
  const auditCount = async () => Number((await query<{ n: string }>(app.db, "select count(*) as n from audit_log"))[0]!.n);

  it("refuses what a role may not do, and bad input, changing nothing", async () => {
    const before = await auditCount();
    expect((await post("viewer", { intent: "pause-workspace", workspace_id: ws.id })).status).toBe(403);
    expect((await post("operator", { intent: "emergency-stop" })).status).toBe(403);
    expect((await post("admin", { intent: "self-destruct" })).status).toBe(400);
    expect((await post("admin", { intent: "pause-workspace" })).status).toBe(400);
    expect((await post("admin", { intent: "pause-agent", agent_id: "not-a-uuid" })).status).toBe(400);
    expect((await post("admin", { intent: "pause-agent", agent_id: crypto.randomUUID() })).status).toBe(404);
    expect((await post("admin", { intent: "emergency-stop", reason: "x".repeat(501) })).status).toBe(400);
    expect((await post("admin", { intent: "pause-workspace", workspace_id: ws.id, abort: "yes" })).status).toBe(400);
    expect((await post("admin", { intent: "emergency-stop", extra: "1" })).status).toBe(400);
    await clients.admin.get("/heartbeat");
    expect((await clients.admin.post("/stop", { intent: "emergency-stop" }, { csrf: false })).status).toBe(403);
    expect(await emergencyOn()).toBe(false);
    expect(await auditCount()).toBe(before);
    const paused = await query<{ n: string }>(app.db, "select count(*) as n from workspaces where paused_at is not null");
    expect(paused[0]!.n).toBe("0");
  });

  it("an admin's emergency stop shows on every page, records each abort it could not make, and an admin resumes it", async () => {
    const task = await createTask(app.db, ws.id, { title: "Busy one", status: "assigned", assigned_agent_id: agentId });
    await query(app.db, "update tasks set status = 'in_progress', session_key = $2, current_run_id = 'run-77' where id = $1", [
      task.id,
      `agent:main:mc-task-${task.id}`,
    ]);

    const res = await post("admin", { intent: "emergency-stop", reason: "spend spike", redirect_to: `/w/${ws.slug}` });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/w/${ws.slug}`);
    expect(await emergencyOn()).toBe(true);
    for (const who of ["viewer", "operator", "admin"] as const) {
      await clients[who].get(`/w/${ws.slug}`);
      expect(clients[who].lastHtml).toContain("Emergency stop.");
      expect(clients[who].lastHtml).toContain("spend spike");
      expect(clients[who].lastHtml.includes("Resume dispatch")).toBe(who === "admin");
    }
    const [failed] = await query<{ message: string }>(app.db, "select message from task_activities where task_id = $1 and type = 'run_abort_failed'", [
      task.id,
    ]);
    expect(failed!.message).toBe("Could not stop the agent's run on the gateway: no gateway is configured");

    const span = await waitFor("the run.abort span", () => spans().find((s) => s.name === "run.abort" && attr(s, "mc.task_id") === task.id));
    expect(attr(span, "mc.aborted")).toBe(false);
    expect(attr(span, "mc.abort_reason")).toBe("emergency-stop");
    const request = spans().find((s) => s.spanId === span.parentSpanId);
    expect(request?.name).toBe("POST /stop");

    expect((await post("operator", { intent: "emergency-resume" })).status).toBe(403);
    expect((await post("admin", { intent: "emergency-resume", redirect_to: "https://evil.example/" })).headers.get("location")).toBe("/heartbeat");
    expect(await emergencyOn()).toBe(false);
    await clients.viewer.get(`/w/${ws.slug}`);
    expect(clients.viewer.lastHtml).not.toContain("Emergency stop.");
  });

  it("an operator pauses and resumes a workspace from its settings; the board says so meanwhile", async () => {
    await clients.operator.get(`/w/${ws.slug}/settings`);
    expect(clients.operator.lastHtml).toContain("Pause workspace");
    const res = await clients.operator.post("/stop", { intent: "pause-workspace", workspace_id: ws.id, redirect_to: `/w/${ws.slug}/settings` });
    expect(res.status).toBe(302);
    await clients.viewer.get(`/w/${ws.slug}`);
    expect(clients.viewer.lastHtml).toContain("This workspace is paused");
    await clients.operator.get(`/w/${ws.slug}`);
    expect(clients.operator.lastHtml).toContain("Resume workspace");
    expect((await clients.operator.post("/stop", { intent: "resume-workspace", workspace_id: ws.id })).status).toBe(302);
    await clients.viewer.get(`/w/${ws.slug}`);
    expect(clients.viewer.lastHtml).not.toContain("This workspace is paused");
    const kinds = await query<{ kind: string }>(
      app.db,
      "select kind from audit_log where kind like 'workspace.%' and subject->>'workspace_id' = $1 order by seq",
      [ws.id],
    );
    expect(kinds.map((k) => k.kind)).toEqual(["workspace.paused", "workspace.resumed"]);
  });

  interface Span {
    name: string;
    spanId: string;
    parentSpanId?: string;
    attributes?: Array<{ key: string; value: { stringValue?: string; boolValue?: boolean; intValue?: string } }>;
  }
  function spans(): Span[] {
    const out: Span[] = [];
    for (const r of otlp.received.filter((x) => x.path === "/v1/traces")) {
      const body = JSON.parse(r.body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }> };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) out.push(...ss.spans);
    }
    return out;
  }
  const attr = (span: Span, key: string) => {
    const v = span.attributes?.find((a) => a.key === key)?.value;
    return v ? (v.stringValue ?? v.intValue ?? v.boolValue) : undefined;
  };
});
