import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SqlDatabase } from "#app/db/types";
import { createAgentWithToken, createTask, query } from "#tests/support/fixtures";
import { stubControl } from "#tests/support/openclaw/stub-model";
import { type GatewayApp, startGatewayApp, until } from "#tests/support/openclaw/app";

// Mission Control's MCP server (decision 051) as a remote MCP server of the
// real OpenClaw gateway: the gateway's config names /api/mcp with the agent's
// token (`mcp.servers.<name>`, plus `tools.alsoAllow: ["bundle-mcp"]` and
// `tools.toolSearch: false`; the gateway applies them without a restart),
// the model's turn calls the projected tool, and the activity lands in the
// database through the MCP route.

const stub = stubControl(inject("stubUrl"));
const configPath = inject("gatewayConfigPath");
const gatewayLog = path.join(path.dirname(path.dirname(configPath)), "gateway.log");
const SERVER = "mc";

describe("the MCP server used by a real OpenClaw gateway", () => {
  let app: GatewayApp;
  let db: SqlDatabase;
  let agent: { id: string; token: string };
  let original: string;

  beforeAll(async () => {
    app = await startGatewayApp();
    db = app.db;
    agent = await createAgentWithToken(db, app.ws.id, { name: "MCP Runner" });
    original = readFileSync(configPath, "utf8");
    const config = JSON.parse(original) as { tools?: Record<string, unknown> } & Record<string, unknown>;
    // With no tool profile set, plugin tools (configured MCP servers are the `bundle-mcp` plugin's) need opting in.
    // Tool search off, so the MCP tools are offered to the model by name rather than behind tool_search/tool_call.
    config.tools = { ...config.tools, alsoAllow: ["bundle-mcp"], toolSearch: false };
    config.mcp = {
      servers: {
        [SERVER]: { url: `${app.server.url}/api/mcp`, transport: "streamable-http", headers: { Authorization: `Bearer ${agent.token}` } },
      },
    };
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  });
  afterAll(async () => {
    // The next file gets the gateway as it was: the original config, hot-applied again.
    if (original) {
      const applied = () => (readFileSync(gatewayLog, "utf8").match(/config hot reload applied/g) ?? []).length;
      const before = applied();
      writeFileSync(configPath, original);
      await until("the gateway to apply its original config", async () => applied() > before, 15_000).catch(() => {});
    }
    stub.reset();
    await app?.stop();
  });

  it("runs a turn whose tool call reaches /api/mcp and writes the activity", async () => {
    const title = `Report over MCP ${randomBytes(3).toString("hex")}`;
    const message = `Progress through the MCP tool ${randomBytes(3).toString("hex")}`;
    const task = await createTask(db, app.ws.id, { title, status: "assigned", assigned_agent_id: agent.id });
    await stub.setRules([
      {
        contains: title,
        reply: "TASK_COMPLETE: reported over MCP",
        toolCall: { name: `${SERVER}__add_activity`, arguments: { task_id: task.id, message } },
      },
    ]);
    // The dispatch comes after the gateway applied the change.
    await until(
      "the gateway to apply the MCP server",
      async () => /config hot reload applied \([^)]*mcp\.servers/.test(readFileSync(gatewayLog, "utf8")),
      15_000,
    );
    expect((await app.heartbeat()).actions).toContainEqual({ task_id: task.id, action: "dispatched", reason: null, ok: true });
    const offered = await stub.waitForRequest((r) => r.userText.includes(title), 60_000);
    expect(offered.tools).toContain(`${SERVER}__add_activity`);
    const rows = await until("the activity written through MCP", async () => {
      const found = await query<{ actor_name: string; actor_type: string }>(
        db,
        "select actor_name, actor_type from task_activities where task_id = $1 and message = $2",
        [task.id, message],
      );
      return found.length > 0 ? found : null;
    });
    expect(rows).toEqual([{ actor_name: "MCP Runner", actor_type: "agent" }]);
    // The model saw the tool's answer: the new activity's id and task.
    const after = await stub.waitForRequest((r) => r.userText.includes(title) && r.toolResults.length > 0, 60_000);
    expect(after.toolResults.join("\n")).toContain(task.id);
  });
});
