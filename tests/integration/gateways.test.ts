import { describe, expect, it } from "vitest";
import { claimTasksForDispatch } from "#app/db/dispatch.server";
import { agentGateway, createGateway, deleteGateway, listGatewayConnections, listGateways, taskGateway, updateGateway } from "#app/db/gateways.server";
import { updateAgent } from "#app/db/agents.server";
import { createGatewayRegistry, DEFAULT_GATEWAY } from "#app/services/agent-plane/gateway-registry.server";
import type { Gateway, GatewayStatus } from "#app/services/agent-plane/gateway.server";
import { gatewayTokenBox } from "#app/services/auth/gateway-tokens.server";
import { createLogger } from "#app/services/observability/logger.server";
import { TRANSPORTS, useTestDatabase } from "#tests/support/databases";
import { SYSTEM, appError, createAgent, createTask, createWorkspace, query, rowCounts, unique } from "#tests/support/fixtures";
import { SECRETS } from "#tests/support/secrets";

// Registered gateways in SQL (decision 052): register, edit and remove through
// the functions the admin page calls; a bad URL scheme, an empty or taken name
// is a 4xx that writes nothing; the token reaches the database only sealed and
// never leaves it in an event or the audit log; an agent's and a task's
// gateway; the dispatch claim takes only tasks whose gateway is connected; and
// the registry keeps the default gateway of the environment beside the
// registered ones, following the table.

const box = gatewayTokenBox(SECRETS.SESSION_SECRET);

/** A stand-in connection: the registry's own logic is what is tested here. */
function fakeGateway(url: string, token: string): Gateway & { url: string; token: string; started: boolean; stopped: boolean } {
  let status: GatewayStatus = token ? "disconnected" : "disabled";
  const g = {
    url,
    token,
    started: false,
    stopped: false,
    get status() {
      return status;
    },
    start() {
      g.started = true;
      if (status !== "disabled") status = "connected";
    },
    async stop() {
      g.stopped = true;
      status = token ? "disconnected" : "disabled";
    },
  };
  return g as unknown as Gateway & typeof g;
}

describe.each(TRANSPORTS)("gateways on %s", (kind) => {
  const db = useTestDatabase(kind);

  it("registers, edits and removes a gateway; the token is stored sealed and appears in no event or audit entry", async () => {
    const token = `gw-token-${unique()}`;
    const name = unique("lab");
    const created = await createGateway(db(), { name, url: "ws://127.0.0.1:1", tokenCiphertext: box.seal(token) }, SYSTEM);
    expect(created).toMatchObject({ name, url: "ws://127.0.0.1:1", agents: 0 });
    expect(JSON.stringify(created)).not.toContain("token");
    const [stored] = await query<{ token_ciphertext: string }>(db(), "select token_ciphertext from gateways where id = $1", [created.id]);
    expect(stored!.token_ciphertext).not.toContain(token);
    expect(box.open(stored!.token_ciphertext)).toBe(token);
    expect(() => gatewayTokenBox("another session secret of enough length").open(stored!.token_ciphertext)).toThrow();

    const renamed = await updateGateway(db(), created.id, { name: `${name} 2`, url: "wss://gw.example:443/", tokenCiphertext: null }, SYSTEM);
    expect(renamed).toMatchObject({ name: `${name} 2`, url: "wss://gw.example:443/" });
    const [kept] = await query<{ token_ciphertext: string }>(db(), "select token_ciphertext from gateways where id = $1", [created.id]);
    expect(kept!.token_ciphertext).toBe(stored!.token_ciphertext);
    expect((await listGateways(db())).map((g) => g.id)).toContain(created.id);

    await deleteGateway(db(), created.id, SYSTEM);
    expect((await listGateways(db())).map((g) => g.id)).not.toContain(created.id);

    const events = await query<{ type: string; payload: unknown }>(
      db(),
      "select type, payload from events where type like 'gateway.%' and payload->>'gateway_id' = $1 order by seq",
      [created.id],
    );
    expect(events.map((e) => e.type)).toEqual(["gateway.created", "gateway.updated", "gateway.deleted"]);
    const audit = await query<{ kind: string; data: unknown }>(db(), "select kind, data from audit_log where subject->>'gateway_id' = $1 order by seq", [
      created.id,
    ]);
    expect(audit.map((a) => a.kind)).toEqual(["gateway.created", "gateway.updated", "gateway.deleted"]);
    const written = JSON.stringify([events, audit]);
    expect(written).not.toContain(token);
    expect(written).not.toContain(stored!.token_ciphertext);
  });

  it("refuses a bad URL scheme, an empty or taken name and a missing token with a 4xx, writing nothing", async () => {
    const taken = unique("taken");
    const existing = await createGateway(db(), { name: taken, url: "ws://127.0.0.1:2", tokenCiphertext: box.seal("t") }, SYSTEM);
    const before = await rowCounts(db());
    const cases: Array<[{ name: string; url: string; tokenCiphertext: string }, string, number, string]> = [
      [{ name: unique("g"), url: "http://127.0.0.1:3", tokenCiphertext: box.seal("t") }, "invalid", 400, "url"],
      [{ name: unique("g"), url: "ftp://gw", tokenCiphertext: box.seal("t") }, "invalid", 400, "url"],
      [{ name: unique("g"), url: "ws://user:pw@gw", tokenCiphertext: box.seal("t") }, "invalid", 400, "url"],
      [{ name: "   ", url: "ws://127.0.0.1:3", tokenCiphertext: box.seal("t") }, "invalid", 400, "name"],
      [{ name: taken.toUpperCase(), url: "ws://127.0.0.1:3", tokenCiphertext: box.seal("t") }, "conflict", 409, "name"],
      [{ name: unique("g"), url: "ws://127.0.0.1:3", tokenCiphertext: "" }, "invalid", 400, "token"],
    ];
    for (const [input, code, status, field] of cases) {
      const error = await appError(createGateway(db(), input, SYSTEM));
      expect([error.code, error.status, Object.keys(error.fieldErrors ?? {})], JSON.stringify(input)).toEqual([code, status, [field]]);
    }
    const other = await createGateway(db(), { name: unique("other"), url: "ws://127.0.0.1:4", tokenCiphertext: box.seal("t") }, SYSTEM);
    const afterOther = await rowCounts(db());
    const edit = await appError(updateGateway(db(), other.id, { name: taken, url: "ws://127.0.0.1:4", tokenCiphertext: null }, SYSTEM));
    expect([edit.code, edit.status]).toEqual(["conflict", 409]);
    const scheme = await appError(updateGateway(db(), other.id, { name: "fine", url: "https://127.0.0.1:4", tokenCiphertext: null }, SYSTEM));
    expect([scheme.code, scheme.status]).toEqual(["invalid", 400]);
    expect(await rowCounts(db())).toEqual(afterOther);
    expect((await query<{ name: string }>(db(), "select name from gateways where id = $1", [other.id]))[0]!.name).toBe(other.name);
    expect(Object.fromEntries(Object.entries(afterOther).filter(([t]) => !["gateways", "events", "audit_log"].includes(t)))).toEqual(
      Object.fromEntries(Object.entries(before).filter(([t]) => !["gateways", "events", "audit_log"].includes(t))),
    );
    expect(
      (await appError(updateGateway(db(), "00000000-0000-4000-8000-000000000000", { name: "x", url: "ws://x", tokenCiphertext: null }, SYSTEM))).status,
    ).toBe(404);
    await deleteGateway(db(), existing.id, SYSTEM);
    await deleteGateway(db(), other.id, SYSTEM);
  });

  it("says which gateway an agent's and a task's runs go to, refuses an unknown one and a removal while agents use it", async () => {
    const ws = await createWorkspace(db());
    const gw = await createGateway(db(), { name: unique("second"), url: "ws://127.0.0.1:5", tokenCiphertext: box.seal("t") }, SYSTEM);
    const onDefault = await createAgent(db(), ws.id, { name: unique("a"), openclaw_agent_id: "main" });
    const onSecond = await createAgent(db(), ws.id, { name: unique("b"), openclaw_agent_id: "main", gateway_id: gw.id });
    expect(onSecond.gateway_id).toBe(gw.id);
    expect(await agentGateway(db(), onDefault.id)).toEqual({ agent_id: onDefault.id, gateway_id: null });
    expect(await agentGateway(db(), onSecond.id)).toEqual({ agent_id: onSecond.id, gateway_id: gw.id });
    const task = await createTask(db(), ws.id, { title: "on the second", assigned_agent_id: onSecond.id });
    expect(await taskGateway(db(), task.id)).toMatchObject({ agent_id: onSecond.id, gateway_id: gw.id });

    const unknown = await appError(updateAgent(db(), onDefault.id, { gateway_id: "00000000-0000-4000-8000-000000000000" }, SYSTEM));
    expect([unknown.status, Object.keys(unknown.fieldErrors ?? {})]).toEqual([400, ["gateway_id"]]);
    const refused = await appError(deleteGateway(db(), gw.id, SYSTEM));
    expect([refused.code, refused.status]).toEqual(["conflict", 409]);
    expect((await listGateways(db())).find((g) => g.id === gw.id)?.agents).toBe(1);

    // Leaving gateway_id out keeps it; an empty one moves the agent to the default gateway.
    await updateAgent(db(), onSecond.id, { name: onSecond.name }, SYSTEM);
    expect((await agentGateway(db(), onSecond.id))?.gateway_id).toBe(gw.id);
    await updateAgent(db(), onSecond.id, { gateway_id: "" }, SYSTEM);
    expect((await agentGateway(db(), onSecond.id))?.gateway_id).toBeNull();
    await deleteGateway(db(), gw.id, SYSTEM);
  });

  it("claims for dispatch only the tasks whose agent's gateway is connected", async () => {
    const ws = await createWorkspace(db());
    const gw = await createGateway(db(), { name: unique("claim"), url: "ws://127.0.0.1:6", tokenCiphertext: box.seal("t") }, SYSTEM);
    const a = await createAgent(db(), ws.id, { name: unique("a"), openclaw_agent_id: "main" });
    const b = await createAgent(db(), ws.id, { name: unique("b"), openclaw_agent_id: "main", gateway_id: gw.id });
    const onDefault = await createTask(db(), ws.id, { title: "default", status: "assigned", assigned_agent_id: a.id });
    const onSecond = await createTask(db(), ws.id, { title: "second", status: "assigned", assigned_agent_id: b.id });
    const mine = (rows: Array<{ id: string }>) => rows.map((r) => r.id).filter((id) => id === onDefault.id || id === onSecond.id);

    // The second gateway is down: only the default gateway's task is claimed, the other keeps its attempts.
    expect(mine(await claimTasksForDispatch(db(), 50, 60, onSecond.id, { gateways: [], defaultGateway: true }))).toEqual([]);
    const claimed = await claimTasksForDispatch(db(), 50, 60, onDefault.id, { gateways: [], defaultGateway: true });
    expect(mine(claimed)).toEqual([onDefault.id]);
    expect(claimed[0]!.agent.gateway_id).toBeNull();
    expect((await query<{ dispatch_attempts: number }>(db(), "select dispatch_attempts from tasks where id = $1", [onSecond.id]))[0]!.dispatch_attempts).toBe(
      0,
    );
    // The default one is down, the second is up.
    const second = await claimTasksForDispatch(db(), 50, 60, onSecond.id, { gateways: [gw.id], defaultGateway: false });
    expect(mine(second)).toEqual([onSecond.id]);
    expect(second[0]!.agent.gateway_id).toBe(gw.id);
  });

  it("keeps the default gateway of the environment beside the registered ones, and follows the table", async () => {
    const ws = await createWorkspace(db());
    const made: Array<Gateway & { url: string; token: string; started: boolean; stopped: boolean }> = [];
    const wired: string[] = [];
    const registry = createGatewayRegistry({
      db: db(),
      log: createLogger("silent"),
      dataDir: "/nonexistent",
      bus: null,
      box,
      defaultGateway: { url: "ws://127.0.0.1:7", token: "env-token" },
      wire: (_g, key) => {
        wired.push(key);
        return () => wired.push(`-${key}`);
      },
      connect: ({ url, token }) => {
        const g = fakeGateway(url, token);
        made.push(g);
        return g;
      },
      reloadIntervalMs: 0,
    });
    try {
      expect(registry.get(null)).toBeNull();
      await registry.reload();
      const fallback = registry.get(null)!;
      expect(fallback).toBe(made[0]);
      expect(made[0]).toMatchObject({ url: "ws://127.0.0.1:7", token: "env-token", started: true });
      const gw = await createGateway(db(), { name: unique("reg"), url: "ws://127.0.0.1:8", tokenCiphertext: box.seal("reg-token") }, SYSTEM);
      await registry.reload();
      const registered = registry.get(gw.id)!;
      expect(registered).toMatchObject({ url: "ws://127.0.0.1:8", token: "reg-token", started: true });
      expect(registry.list().map((e) => e.key)).toEqual(expect.arrayContaining([DEFAULT_GATEWAY, gw.id]));
      expect(registry.list()[0]!.key).toBe(DEFAULT_GATEWAY);

      const a = await createAgent(db(), ws.id, { name: unique("a"), openclaw_agent_id: "main" });
      const b = await createAgent(db(), ws.id, { name: unique("b"), openclaw_agent_id: "main", gateway_id: gw.id });
      expect(await registry.forAgent(a.id)).toBe(fallback);
      expect(await registry.forAgent(b.id)).toBe(registered);
      const task = await createTask(db(), ws.id, { title: "t", assigned_agent_id: b.id });
      expect(await registry.forTask(task.id)).toBe(registered);
      expect(registry.connected().claim).toEqual({ gateways: expect.arrayContaining([gw.id]), defaultGateway: true });

      // A new token replaces the connection; a rename alone does not.
      await updateGateway(db(), gw.id, { name: `${gw.name} renamed`, url: gw.url, tokenCiphertext: null }, SYSTEM);
      await registry.reload();
      expect(registry.get(gw.id)).toBe(registered);
      await updateGateway(db(), gw.id, { name: gw.name, url: gw.url, tokenCiphertext: box.seal("new-token") }, SYSTEM);
      await registry.reload();
      const replaced = registry.get(gw.id)!;
      expect(replaced).not.toBe(registered);
      expect(registered).toMatchObject({ stopped: true });
      expect(replaced).toMatchObject({ token: "new-token", started: true });

      await updateAgent(db(), b.id, { gateway_id: "" }, SYSTEM);
      await deleteGateway(db(), gw.id, SYSTEM);
      await registry.reload();
      expect(registry.get(gw.id)).toBeNull();
      expect(replaced).toMatchObject({ stopped: true });
      expect(wired.filter((w) => w === `-${gw.id}`)).toHaveLength(2);
      expect((await listGatewayConnections(db())).some((c) => c.id === gw.id)).toBe(false);
    } finally {
      await registry.stop();
    }
    expect(made[0]).toMatchObject({ stopped: true });
  });
});
