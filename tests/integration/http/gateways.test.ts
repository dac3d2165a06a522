import { beforeAll, describe, expect, it } from "vitest";
import { createWorkspace, query } from "#tests/support/fixtures";
import type { FormClient } from "#tests/support/http-client";
import { freePort } from "#tests/support/ports";
import { useTestServer } from "#tests/support/test-server";
import { until } from "#tests/support/until";

// The gateways admin page over HTTP (decision 052), on two instances sharing
// one PostgreSQL database: the default gateway of OPENCLAW_GATEWAY_URL is
// listed by health on both; a gateway registered with a plain form post on
// the first reaches the second through the event feed (its health lists it);
// bad input (a URL that is not ws:// or wss://, an empty or taken name, an
// unknown field) is a 4xx with the error beside the field and nothing
// written; an edit keeps the token unless a new one is typed; agents are
// put on a gateway through their form; a gateway agents use cannot be
// removed; the token is never shown, logged or evented.

interface Health {
  status: string;
  gateway: string;
  gateways: Array<{ id: string; name: string; default: boolean; status: string }>;
}

const TOKEN = "registered-gateway-token-0123456789";
const NEW_TOKEN = "another-gateway-token-9876543210";

describe("the gateways page over HTTP", () => {
  let downPort = 0;
  const app = useTestServer({
    instances: 2,
    env: async () => {
      downPort = await freePort();
      // Nothing listens there: the default gateway is configured and down.
      return { OPENCLAW_GATEWAY_URL: `ws://127.0.0.1:${downPort}`, OPENCLAW_GATEWAY_TOKEN: "env-gateway-token-abcdef" };
    },
  });
  let admin: FormClient;
  let operator: FormClient;
  const PAGE = "/admin/gateways";

  beforeAll(async () => {
    admin = await app.setUpAdmin();
    operator = await app.signIn({ email: "op@gateways.test", name: "Otto Operator", role: "operator" });
  });

  const post = async (client: FormClient, path: string, fields: Record<string, string>) => {
    await client.get(path);
    return client.post(path, fields);
  };
  const health = async (base: string) => (await (await fetch(`${base}/api/health`)).json()) as Health;
  const gatewayRows = () => query<{ id: string; name: string; url: string; token_ciphertext: string }>(app.db, "select * from gateways order by created_at");

  it("lists the default gateway of the environment in health, on every instance", async () => {
    for (const server of app.servers) {
      const h = await health(server.url);
      expect(h.gateways).toEqual([{ id: "default", name: "Default", default: true, status: "disconnected" }]);
      expect([h.status, h.gateway]).toEqual(["degraded", "disconnected"]);
    }
    expect((await admin.get(PAGE)).status).toBe(200);
    expect(admin.lastHtml).toContain(`ws://127.0.0.1:${downPort}`);
    expect(admin.lastHtml).not.toContain("env-gateway-token-abcdef");
    expect((await operator.get(PAGE)).status).toBe(403);
  });

  it("registers a gateway with a plain form; the other instance connects to it through the event feed", async () => {
    const port = await freePort();
    const res = await post(admin, PAGE, { intent: "create", name: "Lab", url: `ws://127.0.0.1:${port}`, token: TOKEN });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(PAGE);
    const [row] = await gatewayRows();
    expect(row).toMatchObject({ name: "Lab", url: `ws://127.0.0.1:${port}` });
    expect(row!.token_ciphertext).not.toContain(TOKEN);

    await admin.get(PAGE);
    expect(admin.lastHtml).toContain("Lab");
    expect(admin.lastHtml).not.toContain(TOKEN);
    const second = app.servers[1]!.url;
    const listed = await until("the second instance lists the new gateway", async () => {
      const h = await health(second);
      return h.gateways.find((g) => g.name === "Lab") ?? null;
    });
    expect(listed).toEqual({ id: row!.id, name: "Lab", default: false, status: "disconnected" });
    expect((await health(app.url)).gateways.map((g) => g.name)).toEqual(["Default", "Lab"]);
    expect((await post(operator, PAGE, { intent: "create", name: "Sneaky", url: "ws://127.0.0.1:1", token: "x" })).status).toBe(403);
  });

  it("refuses a bad URL, an empty or taken name and an unknown field with a 4xx beside the field, writing nothing", async () => {
    const before = await gatewayRows();
    const events = async () => Number((await query<{ n: string }>(app.db, "select count(*) as n from events where type like 'gateway.%'"))[0]!.n);
    const eventsBefore = await events();
    const cases: Array<[Record<string, string>, number, string | null]> = [
      [{ name: "Web", url: "http://127.0.0.1:1", token: "t" }, 400, "Use a ws:// or wss:// URL"],
      [{ name: "Web", url: "https://gw.example", token: "t" }, 400, "Use a ws:// or wss:// URL"],
      [{ name: "Web", url: "not a url", token: "t" }, 400, "Enter a URL such as ws://127.0.0.1:18789"],
      [{ name: "Creds", url: "ws://user:pw@127.0.0.1:1", token: "t" }, 400, "Leave credentials out of the URL"],
      [{ name: "", url: "ws://127.0.0.1:1", token: "t" }, 400, "A name is required"],
      [{ name: "No token", url: "ws://127.0.0.1:1", token: "" }, 400, "The gateway token is required"],
      [{ name: "lab", url: "ws://127.0.0.1:1", token: "t" }, 409, "Already used by another gateway"],
      [{ name: "Extra", url: "ws://127.0.0.1:1", token: "t", extra: "1" }, 400, null],
    ];
    for (const [fields, status, message] of cases) {
      const res = await post(admin, PAGE, { intent: "create", ...fields });
      expect(res.status, JSON.stringify(fields)).toBe(status);
      // A field's error sits beside it; an unknown field is the form's.
      if (message) expect(admin.lastHtml).toContain(message);
      expect(admin.lastHtml).toContain(message ? 'aria-invalid="true"' : "Unknown field(s): extra");
      // What was typed stays in the form, never the token.
      if (fields.token && fields.token !== "") expect(admin.lastHtml).not.toContain(`value="${fields.token}"`);
    }
    expect(await gatewayRows()).toEqual(before);
    expect(await events()).toBe(eventsBefore);
  });

  it("edits a gateway, keeping the token unless a new one is typed", async () => {
    const [row] = await gatewayRows();
    const edit = (fields: Record<string, string>) =>
      post(admin, PAGE, { intent: "update", gateway_id: row!.id, name: "Lab", url: row!.url, token: "", ...fields });
    expect((await edit({ name: "Lab two" })).status).toBe(302);
    const [renamed] = await gatewayRows();
    expect(renamed).toMatchObject({ name: "Lab two", token_ciphertext: row!.token_ciphertext });
    expect((await edit({ name: "Lab two", token: NEW_TOKEN })).status).toBe(302);
    const [rekeyed] = await gatewayRows();
    expect(rekeyed!.token_ciphertext).not.toBe(row!.token_ciphertext);
    expect(rekeyed!.token_ciphertext).not.toContain(NEW_TOKEN);
    expect((await edit({ name: "Lab two", url: "http://127.0.0.1:2" })).status).toBe(400);
    expect(admin.lastHtml).toContain("Use a ws:// or wss:// URL");
    expect((await gatewayRows())[0]).toEqual(rekeyed);
    await until("the second instance sees the new name", async () => (await health(app.servers[1]!.url)).gateways.some((g) => g.name === "Lab two"));
  });

  it("puts an agent on a gateway through its form, and removes a gateway only once no agent uses it", async () => {
    const ws = await createWorkspace(app.db);
    const [gw] = await gatewayRows();
    const agents = `/w/${ws.slug}/agents`;
    const agent = { intent: "create", name: "Lab runner", role: "", emoji: "", model: "", openclaw_agent_id: "main", status: "standby" };
    await admin.get(agents);
    expect(admin.lastHtml).toContain('name="gateway_id"');
    expect((await post(admin, agents, { ...agent, gateway_id: "00000000-0000-4000-8000-000000000000" })).status).toBe(400);
    expect(admin.lastHtml).toContain("That gateway is not registered.");
    expect((await post(admin, agents, { ...agent, gateway_id: "nope" })).status).toBe(400);
    expect((await post(admin, agents, { ...agent, gateway_id: gw!.id })).status).toBe(201);
    const [created] = await query<{ id: string; gateway_id: string | null }>(app.db, "select id, gateway_id from agents where workspace_id = $1", [ws.id]);
    expect(created!.gateway_id).toBe(gw!.id);

    expect((await post(admin, PAGE, { intent: "delete", gateway_id: gw!.id })).status).toBe(409);
    expect(admin.lastHtml).toContain("move them to another gateway first");
    expect(await gatewayRows()).toHaveLength(1);

    const page = `${agents}/${created!.id}`;
    expect((await post(admin, page, { ...agent, intent: "update", gateway_id: "" })).status).toBe(302);
    expect((await query<{ gateway_id: string | null }>(app.db, "select gateway_id from agents where id = $1", [created!.id]))[0]!.gateway_id).toBeNull();
    expect((await post(admin, PAGE, { intent: "delete", gateway_id: gw!.id })).status).toBe(302);
    expect(await gatewayRows()).toHaveLength(0);
    await until("the second instance drops the gateway", async () => (await health(app.servers[1]!.url)).gateways.length === 1);
  });

  it("never shows, logs or events a token", async () => {
    const events = JSON.stringify(await query(app.db, "select payload from events"));
    const audit = JSON.stringify(await query(app.db, "select data from audit_log"));
    for (const token of [TOKEN, NEW_TOKEN, "env-gateway-token-abcdef"]) {
      expect(events).not.toContain(token);
      expect(audit).not.toContain(token);
      for (const server of app.servers) {
        const { stdout, stderr } = server.output();
        expect(stdout).not.toContain(token);
        expect(stderr).not.toContain(token);
      }
    }
  });
});
