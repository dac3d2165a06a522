import { describe, expect, it } from "vitest";
import {
  MAX_CONFIG_LINES,
  REDACTED,
  configLines,
  describeGatewayAgent,
  isSecretKey,
  looksSecret,
  redactSecrets,
  type GatewayAgentPayloads,
} from "./gateway-agent";

// Payloads shaped as OpenClaw 2026.9 answers them (agents.list, config.get,
// exec.approvals.get, sessions.list), trimmed to what matters here.
const AGENTS_LIST = {
  defaultId: "main",
  mainKey: "main",
  scope: "per-sender",
  agents: [
    {
      id: "main",
      workspace: "/srv/openclaw/workspace",
      workspaceGit: false,
      agentRuntime: { id: "auto", source: "implicit" },
      thinkingDefault: "off",
      model: { primary: "stub/stub-model" },
      defaultPermissionMode: "full",
    },
    {
      id: "scout",
      name: "Scout",
      identity: { name: "Scout", emoji: "🦉" },
      workspace: "/srv/agents/scout",
      workspaceGit: true,
      model: { primary: "anthropic/claude-sonnet-5", fallbacks: ["openai/gpt-5.5"] },
      defaultPermissionMode: "guarded",
    },
  ],
};

const CONFIG = {
  path: "/srv/openclaw/openclaw.json",
  parsed: { agents: { entries: { scout: { workspace: "/stale" } } } },
  resolved: {
    gateway: { mode: "local", auth: { token: "__OPENCLAW_REDACTED__" } },
    models: { providers: { stub: { apiKey: "__OPENCLAW_REDACTED__", baseUrl: "http://127.0.0.1:9/v1" } } },
    agents: {
      defaults: { model: { primary: "stub/stub-model" }, heartbeat: { every: "0m" }, contextTokens: 200000 },
      entries: {
        main: { workspace: "/srv/openclaw/workspace" },
        scout: {
          name: "Scout",
          workspace: "/srv/agents/scout",
          model: "anthropic/claude-sonnet-5",
          tools: { exec: { host: "gateway", security: "allowlist" }, web: { apiKey: "sk-live-abcdefghijklmnop" } },
          env: { GITHUB_TOKEN: "ghp_abcdefghijklmnopqrstuvwx", REGION: "eu-west-1" },
        },
      },
    },
    tools: { exec: { mode: "cautious", notifyUrl: "https://bot:hunter2@hooks.example.com/x" } },
  },
};

const EXEC_APPROVALS = {
  path: "/srv/openclaw/state.sqlite#exec_approvals_config",
  file: {
    version: 1,
    socket: { path: "/srv/openclaw/exec-approvals.sock", token: "c2VjcmV0LXNvY2tldC10b2tlbi0xMjM0NTY3ODkw" },
    defaults: {},
    agents: { scout: { security: "allowlist", ask: "on-miss", allowlist: [{ pattern: "~/bin/rg" }, { pattern: "/usr/bin/git" }] } },
  },
  resolvedDefaults: { security: "full", ask: "off", askFallback: "deny", autoAllowSkills: false },
};

const SESSIONS = {
  count: 2,
  totalCount: 2,
  sessions: [
    {
      key: "agent:scout:mc-task-1",
      status: "running",
      updatedAt: Date.UTC(2026, 11, 3, 10, 5),
      lastActivityAt: Date.UTC(2026, 11, 3, 10, 5),
      activeRunIds: ["r1"],
    },
    { key: "agent:scout:mc-task-0", status: "done", updatedAt: Date.UTC(2026, 11, 2, 9, 0), hasActiveRun: false, activeRunIds: [] },
  ],
};

const reads = (over: Partial<GatewayAgentPayloads> = {}): GatewayAgentPayloads => ({
  agents: { ok: true, payload: AGENTS_LIST },
  config: { ok: true, payload: CONFIG },
  execApprovals: { ok: true, payload: EXEC_APPROVALS },
  sessions: { ok: true, payload: SESSIONS },
  ...over,
});

describe("secrets", () => {
  it("knows secret keys, and figures that only sound like them", () => {
    for (const key of ["token", "apiKey", "api_key", "GITHUB_TOKEN", "password", "clientSecret", "privateKey", "key", "auth", "cookie", "sentryDsn"]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ["mainKey", "sessionKey", "contextTokens", "maxTokens", "model", "workspace", "mode", "author", "hotkeys"]) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });

  it("knows credentials by how they look", () => {
    for (const value of [
      "sk-live-abcdefghijklmnop",
      "sk-ant-api03-xyz",
      "ghp_abcdefghijklmnopqrstuvwx",
      "xoxb-1234-5678",
      "AKIAABCDEFGHIJKLMNOP",
      "Bearer abc.def",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
      "c2VjcmV0LXNvY2tldC10b2tlbi0xMjM0NTY3ODkw",
      "__OPENCLAW_REDACTED__",
    ]) {
      expect(looksSecret(value), value).toBe(true);
    }
    for (const value of ["stub/stub-model", "/srv/agents/scout-workspace-with-a-long-name-2026", "allowlist", "anthropic/claude-sonnet-5", "0m", "eu-west-1"]) {
      expect(looksSecret(value), value).toBe(false);
    }
  });

  it("redacts by key and by value at any depth, and keeps everything else", () => {
    const out = redactSecrets({
      gateway: { auth: { mode: "token", token: "plain-text-token" } },
      list: [{ password: "pw" }, "ghp_abcdefghijklmnopqrstuvwx", "fine"],
      url: "https://bot:hunter2@hooks.example.com/x",
      limits: { maxTokens: 4096, pin: 1234 },
      on: true,
    });
    expect(out).toEqual({
      gateway: { auth: { mode: "token", token: REDACTED } },
      list: [{ password: REDACTED }, REDACTED, "fine"],
      url: `https://bot:${REDACTED}@hooks.example.com/x`,
      limits: { maxTokens: 4096, pin: 1234 },
      on: true,
    });
  });
});

describe("configuration as text", () => {
  it("writes one path = value line per leaf", () => {
    expect(configLines({ a: { b: 1, c: ["x", "y"] }, d: [{ e: null }], f: {}, "odd key": "v" }, "root")).toEqual([
      "root.a.b = 1",
      'root.a.c = ["x","y"]',
      "root.d[0].e = null",
      "root.f = {}",
      'root["odd key"] = "v"',
    ]);
  });

  it("cuts long values", () => {
    const [line] = configLines("x".repeat(1000), "long");
    expect(line!.length).toBeLessThan(330);
    expect(line!.endsWith("…")).toBe(true);
  });
});

describe("the gateway's view of an agent", () => {
  it("says the gateway knows the agent and what it runs on", () => {
    const view = describeGatewayAgent("scout", reads());
    expect(view).toMatchObject({ agentId: "scout", known: true, isDefault: false, listedIds: ["main", "scout"], unavailable: [] });
    expect(Object.fromEntries(view.facts.map((f) => [f.label, f.value]))).toEqual({
      Name: "🦉 Scout",
      Model: "anthropic/claude-sonnet-5",
      "Fallback models": "openai/gpt-5.5",
      Workspace: "/srv/agents/scout (a git checkout)",
      "Permission mode": "guarded",
      "Exec approvals": "security allowlist, ask on-miss, fallback deny (the agent's own; 2 allowlisted patterns)",
    });
  });

  it("reads its sessions: how many, how many run now, the latest activity", () => {
    const view = describeGatewayAgent("scout", reads());
    expect(view.sessions).toEqual({
      total: 2,
      active: 1,
      lastActivityAt: "2026-12-03T10:05:00.000Z",
      recent: [
        { key: "agent:scout:mc-task-1", status: "running", updatedAt: "2026-12-03T10:05:00.000Z", activeRuns: 1 },
        { key: "agent:scout:mc-task-0", status: "done", updatedAt: "2026-12-02T09:00:00.000Z", activeRuns: 0 },
      ],
    });
  });

  it("shows the agent's entry, the defaults, the tools and exec approvals, with every secret redacted", () => {
    const { config } = describeGatewayAgent("scout", reads());
    const text = config!.lines.join("\n");
    expect(config!.truncated).toBe(false);
    expect(config!.lines).toEqual(
      expect.arrayContaining([
        'agents.entries.scout.workspace = "/srv/agents/scout"',
        'agents.entries.scout.tools.exec.security = "allowlist"',
        `agents.entries.scout.tools.web.apiKey = "${REDACTED}"`,
        `agents.entries.scout.env.GITHUB_TOKEN = "${REDACTED}"`,
        'agents.entries.scout.env.REGION = "eu-west-1"',
        'agents.defaults.model.primary = "stub/stub-model"',
        "agents.defaults.contextTokens = 200000",
        'tools.exec.mode = "cautious"',
        `tools.exec.notifyUrl = "https://bot:${REDACTED}@hooks.example.com/x"`,
        'execApprovals.agents.scout.allowlist[1].pattern = "/usr/bin/git"',
        'execApprovals.resolvedDefaults.askFallback = "deny"',
      ]),
    );
    // The resolved config wins over the parsed one; other agents, providers and the gateway's own auth are not shown.
    expect(text).not.toContain("/stale");
    expect(text).not.toContain("agents.entries.main");
    expect(text).not.toContain("models.providers");
    for (const secret of ["sk-live", "ghp_", "hunter2", "c2VjcmV0", "__OPENCLAW_REDACTED__"]) expect(text).not.toContain(secret);
  });

  it("says when the gateway does not know the agent, and which ids it does know", () => {
    const view = describeGatewayAgent("ghost", reads({ sessions: { ok: true, payload: { count: 0, totalCount: 0, sessions: [] } } }));
    expect(view).toMatchObject({ known: false, listedIds: ["main", "scout"], facts: [expect.objectContaining({ label: "Exec approvals" })] });
    expect(view.facts[0]!.value).toBe("security full, ask off, fallback deny (the host's defaults)");
    expect(view.config!.lines[0]).toBe("# no entry for ghost in agents: it runs on the defaults");
    expect(view.sessions).toMatchObject({ total: 0, active: 0, lastActivityAt: null });
  });

  it("marks the default agent and keeps an older config's agents.list", () => {
    const older = { config: { agents: { list: [{ id: "main", workspace: "/w", tools: { exec: { security: "deny" } } }] } } };
    const view = describeGatewayAgent("main", reads({ config: { ok: true, payload: older } }));
    expect(view.isDefault).toBe(true);
    expect(view.config!.lines).toEqual(
      ['agents.list[0].id = "main"', 'agents.list[0].workspace = "/w"', 'agents.list[0].tools.exec.security = "deny"'].concat(view.config!.lines.slice(3)),
    );
  });

  it("says which reads failed and keeps what the others gave", () => {
    const view = describeGatewayAgent(
      "scout",
      reads({ config: { ok: false, reason: "gateway_error:FORBIDDEN" }, sessions: { ok: false, reason: "gateway_timeout" } }),
    );
    expect(view.known).toBe(true);
    expect(view.config).toBeNull();
    expect(view.sessions).toBeNull();
    expect(view.unavailable).toEqual([
      "The gateway did not give its configuration: it refused (FORBIDDEN).",
      "The gateway did not give the agent's sessions: it did not answer in time.",
    ]);
    const unknown = describeGatewayAgent("scout", reads({ agents: { ok: false, reason: "gateway_disconnected" } }));
    expect(unknown.known).toBeNull();
    expect(unknown.facts.map((f) => f.label)).toEqual(["Exec approvals"]);
  });

  it("survives payloads of the wrong shape", () => {
    const junk = { ok: true as const, payload: "nonsense" };
    const view = describeGatewayAgent("scout", { agents: junk, config: junk, execApprovals: junk, sessions: junk });
    expect(view).toMatchObject({ known: null, facts: [], sessions: null, listedIds: [] });
    expect(view.config!.lines).toEqual(["# no entry for scout in agents: it runs on the defaults"]);
  });

  it("caps the configuration text", () => {
    const big = { resolved: { agents: { entries: { scout: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, i])) } } } };
    const { config } = describeGatewayAgent("scout", reads({ config: { ok: true, payload: big } }));
    expect(config!.lines).toHaveLength(MAX_CONFIG_LINES);
    expect(config!.truncated).toBe(true);
  });
});
