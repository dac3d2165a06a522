import { createHash, createHmac } from "node:crypto";
import { Agent, type IncomingHttpHeaders, request as httpRequest } from "node:http";
import { WEBHOOK_MAX_BYTES } from "#app/domain/webhook-rules";
import { signWebhook } from "./http-client";

// Malformed requests for every route and identity, a raw HTTP client that can
// send them (odd methods, broken bodies, bytes fetch() would refuse to
// send), and the checks every answer must pass: never a 5xx, never a stack
// trace or a server path, a 405 always names what is allowed, and a write
// made of bad input is always refused.

export type Role = "viewer" | "operator" | "approver" | "admin";
export const ROLES: Role[] = ["viewer", "operator", "approver", "admin"];

/** Who sends a request: cookies and a CSRF token for people, a bearer for machines. */
export interface Identity {
  name: string;
  cookie?: string;
  csrf?: string;
  bearer?: string;
}

export interface Probe {
  /** What the probe tries, for failure messages. */
  what: string;
  as: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses the answer must be one of, when the outcome is certain. */
  expect?: number[];
}

/** What the server knows about that probes name: ids, slugs, tokens. */
export interface Seeded {
  slug: string;
  workspaceId: string;
  taskId: string;
  otherTaskId: string;
  agentId: string;
  pipelineId: string;
  stageId: string;
  approvalId: string;
  taskTypeId: string;
  userId: string;
}

export const UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000";
/** The GitHub connection the sweep seeds (decision 053): its repository and webhook secret. */
export const GITHUB_PROBE = { repository: "probe/widgets", secret: "probe-webhook-secret-0123456789" } as const;
const MALFORMED_IDS = ["not-a-uuid", "00000000-0000-4000-8000-00000000000g", "%00", "..%2F..%2Fetc%2Fpasswd", "1%20or%201%3D1", "x".repeat(300)];
const NUL = "\u0000";
const BAD_METHODS = ["OPTIONS", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND"];
/** Statuses a probe that could only be refused may end in: a refusal, or a redirect to sign in. */
export const REFUSED = [302, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 431];

// Bodies -------------------------------------------------------------------

export function urlencoded(fields: Array<[string, string]>): Buffer {
  return Buffer.from(fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"));
}

export function multipart(boundary: string, parts: Array<[string, string] | [string, string, string]>): Buffer {
  const chunks = parts.map(([name, value, filename]) =>
    [
      `--${boundary}`,
      `Content-Disposition: form-data; name="${name}"${filename === undefined ? "" : `; filename="${filename}"`}`,
      filename === undefined ? "" : "Content-Type: application/octet-stream",
      "",
      value,
    ]
      .filter((line, i) => i !== 2 || line !== "")
      .join("\r\n"),
  );
  return Buffer.from(`${chunks.join("\r\n")}\r\n--${boundary}--\r\n`);
}

/** `{"a":{"a":…}}` nested `depth` levels, built as text (no recursion). */
export function deepJson(depth: number, leaf = "1"): string {
  return `${'{"a":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };
/** The single-fetch data URL of a page. */
const dataPath = (path: string) => (path === "/" ? "/_.data" : `${path}.data`);
const JSON_TYPE = { "content-type": "application/json" };

// Pages and forms ------------------------------------------------------------

interface FormAction {
  path: string;
  intent?: string;
  /** A plausible body, never sent as it is: each probe breaks one thing in it. */
  fields: Record<string, string>;
  /** Values each of which makes the form invalid (or names nothing), per field. */
  bad: Record<string, string[]>;
  /** The action reads more than the schema (it ignores unknown fields): only refusals the transport guarantees apply. */
  loose?: boolean;
  /** Who gets past authorisation to the fields (operator unless named). */
  role?: Role | "anonymous";
}

const LONG = "x".repeat(20_001);
const text = (max: number) => ["", "x".repeat(max + 1)];
const uuid = ["nope", UNKNOWN_UUID];
const money = ["abc", "-1", "123456789", "1.1234567"];

function formActions(s: Seeded): FormAction[] {
  const w = `/w/${s.slug}`;
  const t = `${w}/tasks/${s.taskId}`;
  const budget = { daily_limit_usd: "", total_limit_usd: "", reserve_usd: "" };
  const badBudget = { daily_limit_usd: money, total_limit_usd: money, reserve_usd: ["0", ...money] };
  const taskFields = { title: "t", description: "", priority: "normal", assigned_agent_id: "", due_at: "", task_type_id: "" };
  const badTask = {
    title: text(500),
    description: [LONG],
    priority: ["critical", ""],
    assigned_agent_id: uuid,
    due_at: ["tomorrow", "2026-02-30", "1999-01-01", "2026-12-31T10:00"],
    task_type_id: uuid,
  };
  const agentFields = { name: "a", role: "", emoji: "", model: "", openclaw_agent_id: "", status: "standby" };
  const badAgent = {
    name: text(80),
    role: [LONG],
    emoji: ["123456789"],
    model: [LONG],
    openclaw_agent_id: ["bad id!", "-x"],
    status: ["exploded"],
    gateway_id: uuid,
  };
  const gatewayFields = { name: "g", url: "ws://127.0.0.1:9", token: "t" };
  const badGateway = { name: text(80), url: ["", "http://127.0.0.1:9", "wss://user:pw@gw.example", "ws://", LONG], token: [LONG] };
  const decision = { approval_id: s.approvalId, digest: "0".repeat(64), comment: "" };
  const badDecision = { approval_id: uuid, digest: ["xyz", "G".repeat(64)], comment: [LONG] };
  return [
    { path: "/?index", fields: { name: "w", icon: "", slug: "" }, bad: { name: text(80), icon: ["123456789"], slug: ["Bad Slug!", s.slug] } },
    {
      path: `${w}/tasks/new`,
      fields: { ...taskFields, status: "inbox", pipeline_id: "" },
      bad: { ...badTask, status: ["done", "bogus"], pipeline_id: uuid },
    },
    { path: t, intent: "update", fields: taskFields, bad: badTask },
    { path: t, intent: "move", fields: { status: "review" }, bad: { status: ["bogus", ""] } },
    { path: t, intent: "reassign", fields: { agent_id: s.agentId }, bad: { agent_id: uuid } },
    {
      path: t,
      intent: "answer",
      fields: { question_id: UNKNOWN_UUID, choice: "a", other: "" },
      bad: { question_id: ["nope"], choice: ["", LONG], other: [LONG] },
    },
    { path: t, intent: "revoke-grant", fields: { grant_id: UNKNOWN_UUID }, bad: { grant_id: uuid } },
    { path: t, intent: "budget", fields: budget, bad: badBudget },
    ...["delete", "dispatch", "retry", "advance", "start-planning", "cancel-planning", "explode"].map((intent) => ({
      path: t,
      intent,
      fields: {},
      bad: {},
      loose: true,
    })),
    { path: `${w}?index`, intent: "move", fields: { taskId: s.taskId, status: "review" }, bad: { taskId: uuid, status: ["bogus"] } },
    { path: `${w}/agents`, intent: "create", fields: agentFields, bad: badAgent },
    { path: `${w}/agents`, intent: "import", fields: { name: "a", openclaw_agent_id: "main" }, bad: { name: text(80), openclaw_agent_id: ["bad id!"] } },
    { path: `${w}/agents/${s.agentId}`, intent: "update", fields: agentFields, bad: badAgent },
    { path: `${w}/agents/${s.agentId}`, intent: "budget", fields: budget, bad: badBudget },
    { path: `${w}/agents/${s.agentId}`, intent: "autonomy", fields: { autonomy_level: "hitl" }, bad: { autonomy_level: ["reckless", ""] } },
    ...["rotate-token", "delete", "explode"].map((intent) => ({ path: `${w}/agents/${s.agentId}`, intent, fields: {}, bad: {}, loose: true })),
    { path: `${w}/settings`, intent: "rename", fields: { name: "n", icon: "" }, bad: { name: text(80), icon: ["123456789"] } },
    { path: `${w}/settings`, intent: "budget", fields: budget, bad: badBudget },
    ...["delete", "explode", "github-disconnect"].map((intent) => ({ path: `${w}/settings`, intent, fields: {}, bad: {}, loose: true })),
    {
      path: `${w}/settings`,
      intent: "github",
      role: "admin",
      fields: { repository: GITHUB_PROBE.repository, label_types: "", webhook_secret: "", token: "" },
      bad: {
        repository: ["", "not a repository", "a/b/c", `${"x".repeat(140)}/y`],
        label_types: ["bug", "bug = Not A Key", "bug = no_such_type", "a = research\na = deploy", LONG],
        webhook_secret: ["too short", "x".repeat(201)],
        token: ["x".repeat(401)],
      },
    },
    { path: `${w}/pipelines`, intent: "create", fields: { name: "p", description: "" }, bad: { name: text(80), description: [LONG] } },
    { path: `${w}/pipelines/${s.pipelineId}`, intent: "rename", fields: { name: "p", description: "" }, bad: { name: text(80), description: [LONG] } },
    {
      path: `${w}/pipelines/${s.pipelineId}`,
      intent: "add-stage",
      fields: { name: "s", agent_id: s.agentId, autonomy_level: "hitl" },
      bad: { name: text(80), agent_id: uuid, autonomy_level: ["reckless"], gate_advance: ["yes"] },
    },
    {
      path: `${w}/pipelines/${s.pipelineId}`,
      intent: "edit-stage",
      fields: { stage_id: s.stageId, name: "s", agent_id: s.agentId, autonomy_level: "hitl" },
      bad: { stage_id: uuid, name: text(80), autonomy_level: ["reckless"] },
    },
    {
      path: `${w}/pipelines/${s.pipelineId}`,
      intent: "move-stage",
      fields: { stage_id: s.stageId, direction: "up" },
      bad: { stage_id: uuid, direction: ["sideways"] },
    },
    { path: `${w}/pipelines/${s.pipelineId}`, intent: "delete-stage", fields: { stage_id: s.stageId }, bad: { stage_id: uuid } },
    ...["delete", "explode"].map((intent) => ({ path: `${w}/pipelines/${s.pipelineId}`, intent, fields: {}, bad: {}, loose: true })),
    ...["approve", "deny", "approve_grant"].map((intent) => ({ path: "/approvals", intent, fields: decision, bad: badDecision, role: "approver" as const })),
    { path: "/approvals", intent: "explode", fields: {}, bad: {}, loose: true },
    ...["approve", "deny", "approve_grant"].map((intent) => ({
      path: `/approvals/${s.approvalId}`,
      intent,
      fields: decision,
      bad: badDecision,
      role: "approver" as const,
    })),
    ...["test", "remove"].map((intent) => ({
      path: "/settings/devices",
      intent,
      fields: { id: UNKNOWN_UUID },
      bad: { id: ["nope", ""] },
      role: "viewer" as const,
    })),
    {
      path: "/admin/users",
      intent: "create",
      fields: { name: "u", email: "new@example.test", role: "viewer", password: "a long enough password" },
      bad: { name: text(80), email: ["not-an-email", `${"x".repeat(250)}@example.test`], role: ["root"], password: ["short", LONG] },
      role: "admin",
    },
    { path: "/admin/users", intent: "role", fields: { user_id: s.userId, role: "operator" }, bad: { user_id: uuid, role: ["root"] }, role: "admin" },
    ...["disable", "enable", "sign-out"].map((intent) => ({
      path: "/admin/users",
      intent,
      fields: { user_id: s.userId },
      bad: { user_id: uuid },
      role: "admin" as const,
    })),
    {
      path: "/admin/users",
      intent: "password",
      fields: { user_id: s.userId, password: "a long enough password" },
      bad: { user_id: uuid, password: ["short"] },
      role: "admin",
    },
    { path: "/admin/users", intent: "explode", fields: {}, bad: {}, loose: true },
    { path: "/admin/gateways", intent: "create", fields: gatewayFields, bad: { ...badGateway, token: ["", LONG] }, role: "admin" },
    {
      path: "/admin/gateways",
      intent: "update",
      fields: { gateway_id: UNKNOWN_UUID, ...gatewayFields },
      bad: { gateway_id: ["nope"], ...badGateway },
      role: "admin",
    },
    { path: "/admin/gateways", intent: "delete", fields: { gateway_id: UNKNOWN_UUID }, bad: { gateway_id: ["nope"] }, role: "admin" },
    {
      path: "/admin/task-types",
      fields: { id: s.taskTypeId, name: "n", risk: "low", default_autonomy: "hitl", veto_minutes: "5", expiry_policy: "deny" },
      bad: {
        id: uuid,
        name: text(80),
        risk: ["extreme"],
        default_autonomy: ["reckless"],
        gate: ["nuke"],
        veto_minutes: ["abc", "0", "99999"],
        expiry_policy: ["ignore"],
      },
      role: "admin",
    },
    {
      path: "/admin/prices",
      fields: {
        model: "m",
        input_usd_per_mtok: "1",
        output_usd_per_mtok: "1",
        cache_read_usd_per_mtok: "",
        cache_write_usd_per_mtok: "",
        effective_from: "",
        note: "",
      },
      bad: { model: ["", "Bad Model!", LONG], input_usd_per_mtok: money, output_usd_per_mtok: money, effective_from: ["not a date"], note: [LONG] },
      role: "admin",
    },
    { path: "/heartbeat", fields: {}, bad: {}, loose: true },
    { path: "/logout", fields: {}, bad: {}, loose: true },
    { path: `${t}/reveal`, fields: { path: "report.txt" }, bad: { path: ["../../etc/passwd", "/etc/passwd", "a\\b", LONG] }, loose: true },
    {
      path: "/login",
      fields: { email: "nobody@example.test", password: "wrong", redirectTo: "/" },
      bad: { email: ["not-an-email", ""], password: ["", LONG], redirectTo: ["x".repeat(501), "//evil.example", "/\u2192"] },
      role: "anonymous",
    },
    {
      path: "/setup",
      fields: { token: "t", name: "n", email: "a@example.test", password: "a long enough password", confirm: "a long enough password" },
      bad: { token: ["", LONG], email: ["nope"], confirm: ["other"] },
      role: "anonymous",
    },
  ];
}

/** Every way to break a form post: the transport (CSRF, content type, multipart) on every action, and each field. */
export function formProbes(s: Seeded, identities: Identity[]): Probe[] {
  const probes: Probe[] = [];
  const actions = formActions(s);
  const transportDone = new Set<string>();
  for (const action of actions) {
    const base: Array<[string, string]> = [...(action.intent ? [["intent", action.intent] as [string, string]] : []), ...Object.entries(action.fields)];
    const label = `${action.path} ${action.intent ?? ""}`;
    // The transport is checked before any action runs: once per address (and its data URL).
    const transport = !transportDone.has(action.path);
    transportDone.add(action.path);
    for (const id of identities) {
      const csrf: Array<[string, string]> = id.csrf ? [["csrf", id.csrf]] : [];
      const post = (what: string, body: Buffer, headers: Record<string, string> = FORM, expect?: number[], path = action.path): Probe => ({
        what,
        as: id.name,
        method: "POST",
        path,
        headers,
        body,
        expect,
      });
      if (transport) {
        const [pathname, query] = action.path.split("?");
        const data = `${dataPath(pathname!)}${query === undefined ? "" : `?${query}`}`;
        const mp = { "content-type": "multipart/form-data; boundary=b0undary" };
        // Its single-fetch data URL goes through the same checks: a sample of them.
        probes.push(
          post(`${data}: no CSRF token`, urlencoded(base), FORM, [302, 400, 403, 404, 405], data),
          post(`${data}: multipart without a boundary`, multipart("b0undary", [...csrf, ...base]), { "content-type": "multipart/form-data" }, [400, 405], data),
          post(`${data}: NUL in a value`, urlencoded([...csrf, ...base, ["note", `a${NUL}b`]]), FORM, [400, 405], data),
        );
        for (const path of [action.path]) {
          probes.push(
            post(`${path}: no CSRF token`, urlencoded(base), FORM, [302, 400, 403, 404, 405], path),
            post(`${path}: a wrong CSRF token`, urlencoded([["csrf", "forged"], ...base]), FORM, [302, 400, 403, 404, 405], path),
            post(`${path}: text/plain`, urlencoded([...csrf, ...base]), { "content-type": "text/plain" }, [405, 415], path),
            post(`${path}: JSON`, Buffer.from(JSON.stringify(Object.fromEntries([...csrf, ...base]))), JSON_TYPE, [405, 415], path),
            post(`${path}: no content type`, urlencoded([...csrf, ...base]), {}, [405, 415], path),
            post(
              `${path}: multipart without a boundary`,
              multipart("b0undary", [...csrf, ...base]),
              { "content-type": "multipart/form-data" },
              [400, 405],
              path,
            ),
            post(`${path}: multipart, garbage body`, Buffer.from("this is not multipart at all\r\n--nope"), mp, [400, 405], path),
            post(`${path}: multipart, wrong boundary`, multipart("other", [...csrf, ...base]), mp, [400, 403, 405], path),
            post(`${path}: NUL in a value`, urlencoded([...csrf, ...base, ["note", `a${NUL}b`]]), FORM, [400, 405], path),
            post(`${path}: NUL in a field name`, urlencoded([...csrf, [`x${NUL}`, "1"], ...base]), FORM, [400, 405], path),
            post(`${path}: NUL in multipart`, multipart("b0undary", [...csrf, ...base, ["note", `a${NUL}b`]]), mp, [400, 405], path),
          );
        }
      }
      // Past the transport, bad fields only mean something to whoever may use the form.
      if (id.name !== (action.role ?? "operator")) continue;
      // An action that ignores what it does not read gets a NUL (refused for every form) as its only field trouble.
      if (action.loose) {
        probes.push(post(`${label}: NUL in a value`, urlencoded([...csrf, ...base, ["note", `a${NUL}b`]]), FORM, [400, 405]));
        continue;
      }
      // The fields: each bad value on its own, plus the shapes a strict parser refuses.
      for (const [field, values] of Object.entries(action.bad)) {
        for (const value of values) {
          const fields = base.filter(([k]) => k !== field).concat([[field, value]]);
          probes.push(post(`${label}: ${field}=${JSON.stringify(value.slice(0, 30))}`, urlencoded([...csrf, ...fields]), FORM, REFUSED));
        }
      }
      probes.push(
        post(`${label}: an unknown field`, urlencoded([...csrf, ...base, ["updated_by", s.userId]]), FORM, REFUSED),
        post(`${label}: a field sent twice`, urlencoded([...csrf, ...base, ...base.slice(-1)]), FORM, REFUSED),
        post(
          `${label}: a file part`,
          multipart("b0undary", [...csrf, ...base, ["attachment", "data", "evil.sh"]]),
          { "content-type": "multipart/form-data; boundary=b0undary" },
          REFUSED,
        ),
      );
    }
  }
  return probes;
}

/** Every page the app renders, with the ids it needs. */
export function pagePaths(s: Seeded): string[] {
  const w = `/w/${s.slug}`;
  return [
    "/",
    "/heartbeat",
    "/approvals",
    `/approvals/${s.approvalId}`,
    "/costs",
    "/admin/users",
    "/admin/audit",
    "/admin/task-types",
    "/admin/prices",
    "/admin/gateways",
    "/login",
    "/logout",
    "/setup",
    w,
    `${w}/tasks/new`,
    `${w}/tasks/${s.taskId}`,
    `${w}/feed`,
    `${w}/costs`,
    `${w}/analytics`,
    `${w}/agents`,
    `${w}/agents/${s.agentId}`,
    `${w}/pipelines`,
    `${w}/pipelines/${s.pipelineId}`,
    `${w}/settings`,
  ];
}

/** Reads of every page (and its single-fetch data URL) with hostile query strings, methods and ids. */
export function pageProbes(s: Seeded, identities: Identity[]): Probe[] {
  const probes: Probe[] = [];
  const junk = [
    "?days=-1&before=1e400&n=NaN&more=%ZZ&kind=%F0%9F%92%A9&show=decided&show=pending",
    `?before=99999999999999999999&cancelled=1&import=1&status=${"x".repeat(2000)}`,
    "?redirectTo=%E2%86%92&token=%ED%A0%80&index&index=1",
  ];
  for (const id of identities) {
    pagePaths(s).forEach((path, i) => {
      const data = dataPath(path);
      probes.push(
        { what: `GET ${path}?x=%00`, as: id.name, method: "GET", path: `${path}?x=%00`, expect: [400] },
        { what: `GET ${data}?days=%00`, as: id.name, method: "GET", path: `${data}?days=%00`, expect: [400] },
      );
      // Between viewer and admin the roles read the same pages: the full set for the ends of the range.
      if (id.name === "operator" || id.name === "approver") return;
      probes.push(
        { what: `GET ${path}`, as: id.name, method: "GET", path },
        { what: `HEAD ${path}`, as: id.name, method: "HEAD", path },
        { what: `GET ${data}`, as: id.name, method: "GET", path: data },
        { what: `GET ${data} with odd _routes`, as: id.name, method: "GET", path: `${data}?_routes=routes%2Fboard,..%2F..%2Fx,root,${"r".repeat(300)}` },
        { what: `GET ${path} with junk parameters`, as: id.name, method: "GET", path: `${path}${junk[i % junk.length]}` },
        { what: `GET ${path}?%00=1`, as: id.name, method: "GET", path: `${path}?%00=1`, expect: [400] },
      );
    });
  }
  // Methods are refused before anyone is identified: once per page and data URL.
  for (const path of pagePaths(s)) {
    for (const method of BAD_METHODS) {
      probes.push({ what: `${method} ${path}`, as: "anonymous", method, path, headers: FORM, body: urlencoded([]), expect: [405] });
      probes.push({ what: `${method} ${dataPath(path)}`, as: "admin", method, path: dataPath(path), expect: [405] });
    }
  }
  // Pages that only render: a form post to them has nowhere to go.
  for (const path of ["/", "/costs", "/admin/audit", `/w/${s.slug}/feed`, `/w/${s.slug}/costs`, `/w/${s.slug}/analytics`]) {
    for (const as of ["anonymous", "admin"]) {
      const id = identities.find((i) => i.name === as);
      probes.push({
        what: `POST ${path} (no action)`,
        as,
        method: "POST",
        path,
        headers: FORM,
        body: urlencoded(id?.csrf ? [["csrf", id.csrf]] : []),
        expect: [405],
      });
    }
  }
  // Route discovery (the client's lazy manifest) and a form of five thousand fields.
  for (const q of ["", "?version=nope&paths=%2Fw%2F%00,%2F..%2F..,", `?version=x&paths=${"%2Fa".repeat(3000)}`, "?paths=/login&version="]) {
    probes.push({ what: `GET /__manifest${q.slice(0, 30)}`, as: "anonymous", method: "GET", path: `/__manifest${q}` });
  }
  const admin = identities.find((i) => i.name === "admin");
  const many: Array<[string, string]> = Array.from({ length: 5000 }, (_, i) => [`f${i}`, "v"]);
  probes.push({
    what: "POST five thousand fields",
    as: "admin",
    method: "POST",
    path: `/w/${s.slug}/tasks/new`,
    headers: FORM,
    body: urlencoded([["csrf", admin?.csrf ?? ""], ["title", "t"], ...many]),
    expect: REFUSED,
  });
  // Ids and slugs that name nothing, or are not ids at all.
  const w = `/w/${s.slug}`;
  const odd = [
    "/w/unknown-workspace",
    "/w/%00",
    "/w/UPPER",
    `/w/${"a".repeat(200)}`,
    "/w/..%2F..%2Fetc",
    "/w/%ZZ",
    "/w/%E0%A4%A",
    ...[...MALFORMED_IDS, UNKNOWN_UUID].flatMap((bad) => [`${w}/tasks/${bad}`, `${w}/agents/${bad}`, `${w}/pipelines/${bad}`]),
    "/nowhere/at/all",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/assets/..%2F..%2Fpackage.json",
    "/assets/%00.js",
  ];
  for (const id of identities) {
    for (const path of odd) probes.push({ what: `GET ${path.slice(0, 60)}`, as: id.name, method: "GET", path });
  }
  return probes;
}

/** Stored files: traversal in every spelling, for downloads and the reveal action. */
export function fileProbes(s: Seeded, identities: Identity[]): Probe[] {
  const base = `/w/${s.slug}/tasks/${s.taskId}/files/`;
  const paths = [
    "../../../../etc/passwd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e%252fetc%252fpasswd",
    "..%5C..%5Cwindows",
    "%00",
    "report.txt%00.png",
    "/etc/passwd",
    "%2Fetc%2Fpasswd",
    "nested/../../x",
    "missing.txt",
    "x".repeat(2000),
    "",
  ];
  const probes: Probe[] = [];
  for (const id of identities) {
    for (const p of paths) probes.push({ what: `GET files/${p.slice(0, 40)}`, as: id.name, method: "GET", path: `${base}${p}`, expect: [302, 400, 403, 404] });
    probes.push({
      what: "GET files with an unknown task",
      as: id.name,
      method: "GET",
      path: `/w/${s.slug}/tasks/${UNKNOWN_UUID}/files/report.txt`,
      expect: [302, 400, 403, 404],
    });
    probes.push({
      what: "GET files with another workspace's slug",
      as: id.name,
      method: "GET",
      path: `/w/unknown-workspace/tasks/${s.taskId}/files/report.txt`,
      expect: [302, 400, 403, 404],
    });
  }
  return probes;
}

/** Session and CSRF cookies that are not what the server issued. */
export function cookieProbes(s: Seeded, identities: Identity[]): Probe[] {
  const csrf = identities.find((i) => i.name === "admin")!;
  const session = /mc_session=([^;]+)/.exec(csrf.cookie ?? "")?.[1] ?? "";
  const jar = [
    "mc_session=garbage",
    "mc_session=",
    "mc_session=%ZZ%E0%A4%A",
    `mc_session=${session.slice(0, -4)}AAAA`,
    `mc_session=${session}; mc_session=garbage`,
    `mc_session="${session}"`,
    `mc_session=${"a".repeat(4000)}`,
    `mc_csrf=forged; mc_session=${session}`,
    `mc_csrf=%ZZ; mc_session=${session}`,
    "=; ;;; ==",
    `mc_session=${session}; ${"x".repeat(30_000)}=1`,
  ];
  const probes: Probe[] = [];
  for (const cookie of jar) {
    for (const path of ["/", `/w/${s.slug}`, `/w/${s.slug}/tasks/${s.taskId}.data`, "/api/events/stream?workspace=bad"]) {
      probes.push({ what: `GET ${path} with cookie ${cookie.slice(0, 40)}`, as: "raw", method: "GET", path, headers: { cookie } });
    }
    probes.push({
      what: `POST a task with cookie ${cookie.slice(0, 40)}`,
      as: "raw",
      method: "POST",
      path: `/w/${s.slug}/tasks/new`,
      headers: { ...FORM, cookie },
      // The form itself is invalid (no title), so a cookie the server still
      // reads as the admin's session, with its token, is refused with 400 and
      // writes nothing, like every other probe.
      body: urlencoded([
        ["csrf", csrf.csrf!],
        ["title", ""],
        ["priority", "exploded"],
      ]),
      expect: [400, 403, 431],
    });
  }
  return probes;
}

/** Request headers no client should send: hosts no URL can be made of, and odd values of the rest. */
export function headerProbes(s: Seeded, identities: Identity[]): Probe[] {
  const admin = identities.find((i) => i.name === "admin")!;
  const probes: Probe[] = [];
  const paths = [
    "/login",
    `/w/${s.slug}/tasks/${s.taskId}`,
    `/w/${s.slug}.data`,
    "/api/health",
    `/api/agent/tasks/${s.taskId}`,
    "/api/events/stream",
    "/favicon.svg",
  ];
  for (const host of ["a b", "[::1", "mc.example.test:99999", "%00", "x:abc", "bad%zzhost"]) {
    for (const path of paths)
      probes.push({
        what: `GET ${path} with Host ${JSON.stringify(host)}`,
        as: "admin",
        method: "GET",
        path,
        headers: { host },
        expect: path === "/favicon.svg" ? undefined : [400],
      });
    probes.push({
      what: `POST a form with Host ${JSON.stringify(host)}`,
      as: "admin",
      method: "POST",
      path: `/w/${s.slug}/tasks/new`,
      headers: { ...FORM, host },
      body: urlencoded([
        ["csrf", admin.csrf!],
        ["title", "t"],
      ]),
      expect: [400],
    });
  }
  for (const [method, target] of [
    ["OPTIONS", "*"],
    ["GET", "http://evil.example/login"],
    ["POST", "https://mc.example.test/api/webhooks/agent-completion"],
  ]) {
    probes.push({ what: `${method} ${target} (not a path)`, as: "anonymous", method: method!, path: target!, expect: [400] });
  }
  const odd: Array<Record<string, string>> = [
    { "accept-encoding": "br;q=abc, gzip;q=-1, *;q=2" },
    { accept: "*/*;q=bogus, text/html;level=%00" },
    { "x-request-id": "../../etc/passwd" },
    { "x-request-id": "x".repeat(5000) },
    { "x-mc-client-ip": "1.2.3.4" },
    { "user-agent": "u".repeat(8000) },
    { origin: "null", referer: "not a url" },
    { "if-none-match": "*", "if-modified-since": "yesterday", range: "bytes=abc-" },
    { "content-type": "application/x-www-form-urlencoded; charset=utf-7" },
    { authorization: `Bearer ${"b".repeat(8000)}` },
    { cookie: "mc_session=%00" },
  ];
  for (const headers of odd) {
    for (const path of paths)
      probes.push({ what: `GET ${path} with ${Object.keys(headers).join(", ")}`, as: "admin", method: "GET", path, headers: { ...headers } });
  }
  return probes;
}

// Machine endpoints ------------------------------------------------------------

interface BadBody {
  why: string;
  body: Buffer;
  /** The body's content type when not JSON; null sends none. */
  contentType?: string | null;
  /** The answer once the caller is authenticated and names a real target: the body alone decides it. */
  status: number[];
}

/** JSON bodies no endpoint may accept, each with why and the refusal it earns. */
function badJson(shape: Record<string, unknown>, textField: string, maxBytes: number, requiresJsonType = true): BadBody[] {
  const js = (v: unknown) => Buffer.from(JSON.stringify(v));
  const withField = (value: unknown) => js({ ...shape, [textField]: value });
  const deepField = "args" in shape ? "args" : "metadata";
  const lone = Buffer.from(JSON.stringify({ ...shape, [textField]: "PLACEHOLDER" }).replace("PLACEHOLDER", "a\\ud800b"));
  const wrongType = requiresJsonType ? [415] : [400, 404];
  const cases: BadBody[] = [
    { why: "not JSON", body: Buffer.from("this is not json"), status: [400] },
    { why: "truncated JSON", body: Buffer.from('{"a":'), status: [400] },
    { why: "empty body", body: Buffer.alloc(0), status: [400] },
    { why: "JSON null", body: Buffer.from("null"), status: [400] },
    { why: "a JSON array", body: Buffer.from("[]"), status: [400] },
    { why: "a JSON string", body: Buffer.from('"x"'), status: [400] },
    { why: "a huge number", body: Buffer.from("1e999"), status: [400] },
    { why: "invalid UTF-8", body: Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), status: [400] },
    { why: "UTF-16", body: Buffer.from(JSON.stringify(shape), "utf16le"), status: [400] },
    // Arrays nest in two bytes a level: 20,000 levels fit in 40 KB.
    {
      why: "nested 20,000 deep",
      body: Buffer.from(JSON.stringify({ ...shape, [deepField]: { a: "DEEP" } }).replace('"DEEP"', `${"[".repeat(20_000)}${"]".repeat(20_000)}`)),
      status: [400],
    },
    { why: "nested 20,000 deep at the top", body: Buffer.from(`${"[".repeat(20_000)}${"]".repeat(20_000)}`), status: [400] },
    { why: "nested 33 deep", body: js({ ...shape, [deepField]: JSON.parse(deepJson(32)) }), status: [400] },
    { why: "NUL in a text field", body: withField(`a${NUL}b`), status: [400] },
    { why: "a lone surrogate in a text field", body: lone, status: [400] },
    { why: "NUL in a key", body: Buffer.from(JSON.stringify(shape).replace(/^\{/, '{"k\\u0000":1,')), status: [400] },
    { why: "NUL deep inside", body: js({ ...shape, [deepField]: { note: [`a${NUL}`] } }), status: [400] },
    { why: "a number for text", body: withField(42), status: [400] },
    { why: "an object for text", body: withField({ x: 1 }), status: [400] },
    { why: "an oversized field", body: withField("x".repeat(40_000)), status: [400] },
    { why: "an unknown field", body: js({ ...shape, updated_by_agent_id: UNKNOWN_UUID }), status: [400] },
    { why: "text/plain", body: js(shape), contentType: "text/plain", status: wrongType },
    { why: "no content type", body: js(shape), contentType: null, status: wrongType },
    {
      why: "form encoded",
      body: urlencoded(Object.entries(shape).map(([k, v]) => [k, String(v)])),
      contentType: FORM["content-type"],
      status: requiresJsonType ? [415] : [400],
    },
  ];
  return cases.map((c) => (c.body.length > maxBytes ? { ...c, status: [413] } : c));
}

/**
 * The operator API (/api/v1): every bad body with an admin's key, and a
 * sample with a read-only key (403: the scope is checked before the body), no
 * key, a wrong key, an agent token, MC_API_TOKEN and a session cookie (401);
 * bad query strings and ids; methods no address takes.
 */
function operatorApiProbes(s: Seeded, identities: Identity[], tokens: MachineTokens): Probe[] {
  const probes: Probe[] = [];
  const bearers: Array<[string, Record<string, string>]> = [
    ["api-key", { authorization: `Bearer ${tokens.operatorKey}` }],
    ["read-key", { authorization: `Bearer ${tokens.readKey}` }],
    ["anonymous", {}],
    ["bad-key", { authorization: `Bearer mck_${"x".repeat(43)}` }],
    ["agent-token-as-key", { authorization: `Bearer ${tokens.agent}` }],
    ["api-token-as-key", { authorization: `Bearer ${tokens.api}` }],
    ["session-cookie", { cookie: identities.find((i) => i.name === "admin")!.cookie! }],
  ];
  const writes: Array<{ path: string; method: string; shape: Record<string, unknown>; text: string }> = [
    { path: `/api/v1/workspaces/${s.slug}/tasks`, method: "POST", shape: { title: "t" }, text: "title" },
    { path: `/api/v1/tasks/${s.taskId}`, method: "PATCH", shape: { title: "t" }, text: "title" },
    { path: `/api/v1/tasks/${UNKNOWN_UUID}`, method: "PATCH", shape: { title: "t" }, text: "title" },
    { path: `/api/v1/tasks/${s.taskId}/move`, method: "POST", shape: { status: "review" }, text: "status" },
    { path: `/api/v1/tasks/${s.taskId}/comments`, method: "POST", shape: { body: "b" }, text: "body" },
    {
      path: `/api/v1/approvals/${s.approvalId}/decision`,
      method: "POST",
      shape: { decision: "approve", digest: "a".repeat(64), comment: "" },
      text: "comment",
    },
  ];
  const sample = new Set(["not JSON", "nested 20,000 deep", "NUL in a text field", "an unknown field", "text/plain"]);
  for (const [who, auth] of bearers) {
    for (const write of writes) {
      for (const bad of badJson(write.shape, write.text, 64 * 1024)) {
        if (who !== "api-key" && !sample.has(bad.why)) continue;
        const expect = who === "api-key" ? bad.status : who === "read-key" ? [403] : [401];
        probes.push({
          what: `${write.method} ${write.path}: ${bad.why}`,
          as: who,
          method: write.method,
          path: write.path,
          headers: withType(bad, auth),
          body: bad.body,
          expect,
        });
      }
    }
    const reads = who === "api-key" || who === "read-key";
    for (const q of ["status=nope", "q=a&q=b", "page=0", "page=-1", "n=5", "q=%00", "label=a%2Cb", `q=${"x".repeat(201)}`, "assignee=someone"])
      probes.push({
        what: `GET /api/v1/…/tasks?${q.slice(0, 40)}`,
        as: who,
        method: "GET",
        path: `/api/v1/workspaces/${s.slug}/tasks?${q}`,
        headers: auth,
        expect: reads ? [400] : [401],
      });
    for (const q of ["days=8", "days=%00", "x=1"])
      probes.push({
        what: `GET /api/v1/…/costs?${q}`,
        as: who,
        method: "GET",
        path: `/api/v1/workspaces/${s.slug}/costs?${q}`,
        headers: auth,
        expect: reads ? [400] : [401],
      });
    for (const id of [UNKNOWN_UUID, ...MALFORMED_IDS.slice(0, 5)])
      // An id that decodes to more path segments names no operation at all: 404 before any key is read.
      probes.push({
        what: `GET /api/v1/tasks/${id.slice(0, 40)}`,
        as: who,
        method: "GET",
        path: `/api/v1/tasks/${id}`,
        headers: auth,
        expect: reads ? [404] : [401, 404],
      });
    for (const slug of ["no-such-workspace", "UPPER", "%00", "a".repeat(60)])
      probes.push({
        what: `GET /api/v1/workspaces/${slug.slice(0, 40)}/agents`,
        as: who,
        method: "GET",
        path: `/api/v1/workspaces/${slug}/agents`,
        headers: auth,
        expect: reads ? [404] : [401],
      });
    for (const method of BAD_METHODS)
      probes.push({ what: `${method} /api/v1/workspaces`, as: who, method, path: "/api/v1/workspaces", headers: auth, expect: [405] });
    probes.push({ what: "GET /api/v1/unknown", as: who, method: "GET", path: "/api/v1/unknown/thing", headers: auth, expect: [404] });
  }
  return probes;
}

/** Headers for a bad body: its content type (or none) over the rest. */
function withType(bad: BadBody, headers: Record<string, string>): Record<string, string> {
  const out = { ...headers, "content-type": bad.contentType ?? "application/json" };
  if (bad.contentType === null) delete (out as Partial<typeof out>)["content-type"];
  return out;
}

export interface MachineTokens {
  agent: string;
  otherAgent: string;
  api: string;
  /** An admin's API key with every scope, and a viewer's read-only key (the operator API, decision 050). */
  operatorKey: string;
  readKey: string;
}

/** The agent API, the operator API, the webhook, health, metrics, heartbeat and the event stream, broken every way. */
export function machineProbes(s: Seeded, identities: Identity[], tokens: MachineTokens): Probe[] {
  const probes: Probe[] = operatorApiProbes(s, identities, tokens);
  const bearers: Array<[string, Record<string, string>]> = [
    ["agent", { authorization: `Bearer ${tokens.agent}` }],
    ["other-agent", { authorization: `Bearer ${tokens.otherAgent}` }],
    ["anonymous", {}],
    ["bad-bearer", { authorization: `Bearer mca_${"x".repeat(60)}` }],
    ["short-bearer", { authorization: "Bearer abc" }],
    ["basic-auth", { authorization: "Basic YWRtaW46YWRtaW4=" }],
    ["api-token-as-agent", { authorization: `Bearer ${tokens.api}` }],
    ["session-cookie", { cookie: identities.find((i) => i.name === "admin")!.cookie! }],
  ];
  const taskIds = [s.taskId, s.otherTaskId, UNKNOWN_UUID, s.taskId.toUpperCase(), ...MALFORMED_IDS.slice(0, 4)];
  const writes: Array<{ path: (task: string) => string; method: string; shape: Record<string, unknown>; text: string; max: number }> = [
    {
      path: (t) => `/api/agent/tasks/${t}/activities`,
      method: "POST",
      shape: { type: "progress", message: "m", metadata: {} },
      text: "message",
      max: 64 * 1024,
    },
    {
      path: (t) => `/api/agent/tasks/${t}/deliverables`,
      method: "POST",
      shape: { type: "url", title: "t", url: "https://example.test/x" },
      text: "title",
      max: 64 * 1024,
    },
    { path: (t) => `/api/agent/tasks/${t}/usage`, method: "POST", shape: { model: "m", input_tokens: 1, output_tokens: 1 }, text: "model", max: 16 * 1024 },
    { path: (t) => `/api/agent/tasks/${t}`, method: "PATCH", shape: { status: "review", summary: "s" }, text: "summary", max: 64 * 1024 },
    {
      path: () => "/api/agent/approvals",
      method: "POST",
      shape: { task_id: s.taskId, action: "deploy", args: {}, target: "", reason: "" },
      text: "reason",
      max: 64 * 1024,
    },
  ];
  // The agent's own task gets every body from the agent, nobody and a bad token; the rest get a sample, to keep the run short.
  const sample = new Set(["not JSON", "nested 20,000 deep", "NUL in a text field", "a lone surrogate in a text field"]);
  for (const [who, auth] of bearers) {
    const authenticated = who === "agent" || who === "other-agent";
    for (const write of writes) {
      const ids = write.path("T") === "/api/agent/approvals" ? [s.taskId] : authenticated ? taskIds : [s.taskId, UNKNOWN_UUID, "not-a-uuid"];
      for (const id of ids) {
        const path = write.path(id);
        const wellFormed = !MALFORMED_IDS.includes(id);
        for (const bad of badJson(write.shape, write.text, write.max)) {
          const everyBody = id === s.taskId && ["agent", "anonymous", "bad-bearer"].includes(who);
          if (!everyBody && !sample.has(bad.why)) continue;
          const expect = !wellFormed ? [404] : authenticated ? bad.status : [401];
          probes.push({
            what: `${write.method} ${path}: ${bad.why}`,
            as: who,
            method: write.method,
            path,
            headers: withType(bad, auth),
            body: bad.body,
            expect,
          });
        }
      }
    }
    // Field values the schemas refuse, on the agent's own task.
    const own = (p: string) => p.replace("T", s.taskId);
    const someoneElses = who === "other-agent" ? s.taskId : s.otherTaskId;
    const fieldCases: Array<[string, string, unknown]> = [
      ["/api/agent/tasks/T/activities", "POST", { type: "Bad Type", message: "m" }],
      ["/api/agent/tasks/T/activities", "POST", { message: "" }],
      ["/api/agent/tasks/T/activities", "POST", { message: "m", metadata: [] }],
      ["/api/agent/tasks/T/activities", "POST", { message: "m", metadata: { big: "x".repeat(17_000) } }],
      ["/api/agent/tasks/T/deliverables", "POST", { type: "exe", title: "t" }],
      ["/api/agent/tasks/T/deliverables", "POST", { type: "url", title: "t", url: "javascript:alert(1)" }],
      ["/api/agent/tasks/T/deliverables", "POST", { type: "file", title: "t" }],
      ["/api/agent/tasks/T/usage", "POST", { input_tokens: -1, output_tokens: 1 }],
      ["/api/agent/tasks/T/usage", "POST", { input_tokens: 1e13, output_tokens: 1 }],
      ["/api/agent/tasks/T/usage", "POST", { input_tokens: 1.5, output_tokens: 1, cost_usd: -1 }],
      ["/api/agent/tasks/T/usage", "POST", { input_tokens: 1, output_tokens: 1, run_id: "" }],
      ["/api/agent/tasks/T", "PATCH", { status: "done" }],
      ["/api/agent/tasks/T", "PATCH", { status: "in_progress", summary: "x".repeat(10_001) }],
      ["/api/agent/approvals", "POST", { task_id: "not-a-uuid", action: "deploy" }],
      ["/api/agent/approvals", "POST", { task_id: UNKNOWN_UUID, action: "deploy" }],
      ["/api/agent/approvals", "POST", { task_id: someoneElses, action: "deploy" }],
      ["/api/agent/approvals", "POST", { task_id: s.taskId, action: "Rm -Rf" }],
      ["/api/agent/approvals", "POST", { task_id: s.taskId, action: "deploy", args: { big: "x".repeat(33_000) } }],
      ["/api/agent/approvals", "POST", { task_id: s.taskId, action: "deploy", args: [] }],
    ];
    for (const [path, method, body] of fieldCases) {
      probes.push({
        what: `${method} ${path}: ${JSON.stringify(body).slice(0, 50)}`,
        as: who,
        method,
        path: own(path),
        headers: { ...JSON_TYPE, ...auth },
        body: Buffer.from(JSON.stringify(body)),
        expect: REFUSED,
      });
    }
    // Reads: unknown and malformed ids.
    for (const t of taskIds.slice(1))
      probes.push({ what: `GET /api/agent/tasks/${t.slice(0, 40)}`, as: who, method: "GET", path: `/api/agent/tasks/${t}`, expect: [401, 404] });
    for (const a of [UNKNOWN_UUID, ...MALFORMED_IDS.slice(0, 4)])
      probes.push({ what: `GET /api/agent/approvals/${a.slice(0, 40)}`, as: who, method: "GET", path: `/api/agent/approvals/${a}`, expect: [401, 404] });
    probes.push({ what: "GET /api/agent/tasks", as: who, method: "GET", path: "/api/agent/tasks?x=%00&limit=-1" });
    // Uploads that are not one readable file.
    const upload = (why: string, body: Buffer, type: string, task = s.taskId) =>
      probes.push({
        what: `upload: ${why}`,
        as: who,
        method: "POST",
        path: `/api/agent/tasks/${task}/files`,
        headers: { "content-type": type, ...auth },
        body,
        expect: REFUSED,
      });
    upload("multipart without a boundary", multipart("b0undary", [["file", "data", "a.txt"]]), "multipart/form-data");
    upload("garbage multipart", Buffer.from("garbage"), "multipart/form-data; boundary=b0undary");
    upload("no file field", multipart("b0undary", [["notfile", "data"]]), "multipart/form-data; boundary=b0undary");
    upload("an empty file", multipart("b0undary", [["file", "", "empty.txt"]]), "multipart/form-data; boundary=b0undary");
    upload(
      "two files",
      multipart("b0undary", [
        ["file", "a", "a.txt"],
        ["file", "b", "b.txt"],
      ]),
      "multipart/form-data; boundary=b0undary",
    );
    upload("JSON", Buffer.from("{}"), "application/json");
    upload("someone else's task", multipart("b0undary", [["file", "data", "a.txt"]]), "multipart/form-data; boundary=b0undary", someoneElses);
    upload("an unknown task", multipart("b0undary", [["file", "data", "a.txt"]]), "multipart/form-data; boundary=b0undary", UNKNOWN_UUID);
    // Every agent endpoint, every method it does not take.
    const endpoints: Array<[string, string[]]> = [
      ["/api/agent/tasks", ["GET"]],
      [`/api/agent/tasks/${s.taskId}`, ["GET", "PATCH"]],
      [`/api/agent/tasks/${s.taskId}/activities`, ["POST"]],
      [`/api/agent/tasks/${s.taskId}/files`, ["POST"]],
      ["/api/agent/approvals", ["POST"]],
      [`/api/agent/approvals/${UNKNOWN_UUID}`, ["GET"]],
      ["/api/mcp", ["POST"]],
      ["/api/push-subscriptions", ["POST", "DELETE"]],
    ];
    // Methods are refused before the token is read: for the agent and for nobody.
    for (const [path, takes] of who === "agent" || who === "anonymous" ? endpoints : []) {
      for (const method of [...BAD_METHODS, "HEAD", "GET", "POST"].filter((m) => !takes.includes(m))) {
        probes.push({ what: `${method} ${path}`, as: who, method, path, headers: auth, expect: [405] });
      }
    }
  }

  // The MCP server: the token first (401 for anyone but an agent), then a body
  // that is no JSON-RPC message at all. Tool arguments are refused inside a
  // 200 answer (a tool error), so those are tested where the tools are
  // (tests/integration/http/mcp.test.ts), not here.
  const mcpAccept = { accept: "application/json, text/event-stream" };
  const rpc = (method: string, params: unknown) => JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  const mcpBodies: BadBody[] = [
    { why: "not JSON", body: Buffer.from("this is not json"), status: [400] },
    { why: "truncated JSON", body: Buffer.from('{"jsonrpc":'), status: [400] },
    { why: "empty body", body: Buffer.alloc(0), status: [400] },
    { why: "JSON null", body: Buffer.from("null"), status: [400] },
    { why: "an empty batch", body: Buffer.from("[]"), status: [400] },
    { why: "a batch", body: Buffer.from(`[${rpc("tools/list", {})},${rpc("tools/list", {})}]`), status: [400] },
    { why: "a JSON string", body: Buffer.from('"x"'), status: [400] },
    { why: "not JSON-RPC", body: Buffer.from('{"method":"tools/list"}'), status: [400] },
    { why: "invalid UTF-8", body: Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), status: [400] },
    { why: "UTF-16", body: Buffer.from(rpc("tools/list", {}), "utf16le"), status: [400] },
    {
      why: "nested 20,000 deep",
      body: Buffer.from(rpc("tools/call", { name: "add_activity", arguments: "DEEP" }).replace('"DEEP"', `${"[".repeat(20_000)}${"]".repeat(20_000)}`)),
      status: [400],
    },
    { why: "over 128 KiB", body: Buffer.from(rpc("tools/call", { name: "add_activity", arguments: { message: "x".repeat(140_000) } })), status: [413] },
    { why: "text/plain", body: Buffer.from(rpc("tools/list", {})), contentType: "text/plain", status: [415] },
    { why: "no content type", body: Buffer.from(rpc("tools/list", {})), contentType: null, status: [415] },
    { why: "form encoded", body: urlencoded([["method", "tools/list"]]), contentType: FORM["content-type"], status: [415] },
  ];
  for (const [who, auth] of bearers) {
    const authenticated = who === "agent" || who === "other-agent";
    for (const bad of mcpBodies) {
      probes.push({
        what: `POST /api/mcp: ${bad.why}`,
        as: who,
        method: "POST",
        path: "/api/mcp",
        headers: withType(bad, { ...mcpAccept, ...auth }),
        body: bad.body,
        expect: authenticated ? bad.status : [401],
      });
    }
    // Without the Accept header MCP requires, a well-formed call is refused too.
    probes.push({
      what: "POST /api/mcp: no Accept",
      as: who,
      method: "POST",
      path: "/api/mcp",
      headers: { ...JSON_TYPE, ...auth },
      body: Buffer.from(rpc("tools/list", {})),
      expect: authenticated ? [406] : [401],
    });
  }

  // The completion webhook: unsigned, badly signed, stale, and signed but malformed.
  const hook = "/api/webhooks/agent-completion";
  const now = Math.floor(Date.now() / 1000);
  const valid = JSON.stringify({ task_id: UNKNOWN_UUID, summary: "done" });
  const hookProbe = (what: string, body: string | Buffer, headers: Record<string, string>, expect = REFUSED) =>
    probes.push({ what: `webhook: ${what}`, as: "webhook", method: "POST", path: hook, headers, body: Buffer.from(body), expect });
  hookProbe("unsigned", valid, JSON_TYPE, [401]);
  hookProbe("a wrong signature", valid, { ...signWebhook(valid, { secret: "w".repeat(40) }) }, [401]);
  hookProbe("a signature of another body", valid, { ...signWebhook(`${valid} `) }, [401]);
  hookProbe("an hour-old timestamp", valid, signWebhook(valid, { timestamp: now - 3600 }), [401]);
  hookProbe("a timestamp in the future", valid, signWebhook(valid, { timestamp: now + 3600 }), [401]);
  hookProbe("a non-numeric timestamp", valid, { ...signWebhook(valid), "x-mc-timestamp": "soon" }, [401]);
  hookProbe("a malformed signature header", valid, { ...signWebhook(valid), "x-mc-signature": "md5=abc" }, [401]);
  // An unknown task: a body the parser let through would end in a 404, never a write.
  for (const bad of badJson({ task_id: UNKNOWN_UUID, summary: "s" }, "summary", WEBHOOK_MAX_BYTES, false)) {
    // The signature covers the bytes as text: a body that is not UTF-8 cannot be signed that way (401).
    const signable = bad.body.equals(Buffer.from(bad.body.toString("utf8")));
    hookProbe(`signed, ${bad.why}`, bad.body, withType(bad, signWebhook(bad.body.toString("utf8"))), signable ? bad.status : [401]);
  }
  for (const body of [
    { session_key: "agent:main:mc-task-nope", message: "TASK_COMPLETE: done" },
    { session_key: "agent:main:x", message: "not a completion" },
    { session_key: `a${NUL}`, message: "TASK_COMPLETE: done" },
    { session_key: "", message: "TASK_COMPLETE: done" },
    { task_id: "not-a-uuid", summary: "s" },
    { task_id: s.taskId, summary: "s", usage: { input_tokens: -1, output_tokens: 1 } },
    { task_id: s.taskId, summary: "s", usage: { input_tokens: 1, output_tokens: 1, model: `m${NUL}` } },
    { task_id: s.taskId, summary: "s", usage: "lots" },
  ]) {
    const text = JSON.stringify(body);
    hookProbe(`signed ${text.slice(0, 50)}`, text, signWebhook(text));
  }
  for (const deliveryId of ["has spaces", "x".repeat(201), "semi;colon", "%00"]) {
    hookProbe(`a bad delivery id ${deliveryId.slice(0, 20)}`, valid, signWebhook(valid, { deliveryId }));
  }
  for (const method of BAD_METHODS) probes.push({ what: `webhook ${method}`, as: "webhook", method, path: hook, expect: [405] });

  // The GitHub webhook (decision 053): unsigned, badly signed, an unknown
  // repository, an old issue state, and signed but malformed.
  const gh = "/api/webhooks/github";
  const issue = (fields: Record<string, unknown> = {}, repository: string = GITHUB_PROBE.repository) =>
    JSON.stringify({
      action: "opened",
      issue: { number: 1, title: "probe", body: null, state: "open", html_url: "", updated_at: new Date().toISOString(), labels: [], ...fields },
      repository: { full_name: repository },
    });
  const ghSign = (body: string, secret: string = GITHUB_PROBE.secret) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  let ghDelivery = 0;
  const ghHeaders = (body: string, extra: Record<string, string> = {}) => ({
    ...JSON_TYPE,
    "x-github-event": "issues",
    "x-github-delivery": `probe-${++ghDelivery}`,
    "x-hub-signature-256": ghSign(body),
    ...extra,
  });
  const ghProbe = (what: string, body: string | Buffer, headers: Record<string, string>, expect = REFUSED) =>
    probes.push({ what: `github: ${what}`, as: "webhook", method: "POST", path: gh, headers, body: Buffer.from(body), expect });
  const good = issue();
  const without = (headers: Record<string, string>, name: string) => Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));
  ghProbe("unsigned", good, without(ghHeaders(good), "x-hub-signature-256"), [401]);
  ghProbe("a wrong signature", good, ghHeaders(good, { "x-hub-signature-256": ghSign(good, "w".repeat(40)) }), [401]);
  ghProbe("a signature of another body", good, ghHeaders(good, { "x-hub-signature-256": ghSign(`${good} `) }), [401]);
  ghProbe("a malformed signature header", good, ghHeaders(good, { "x-hub-signature-256": "sha1=abc" }), [401]);
  const elsewhere = issue({}, "someone/else");
  ghProbe("an unknown repository", elsewhere, ghHeaders(elsewhere), [404]);
  ghProbe("no event header", good, without(ghHeaders(good), "x-github-event"), [400]);
  for (const id of ["has spaces", "x".repeat(300), "%00", ""])
    ghProbe(`a bad delivery id ${id.slice(0, 20)}`, good, ghHeaders(good, { "x-github-delivery": id }), [400]);
  const old = issue({ updated_at: new Date(Date.now() - 2 * 3600_000).toISOString() });
  ghProbe("an issue state two hours old", old, ghHeaders(old), [422]);
  const future = issue({ updated_at: new Date(Date.now() + 2 * 3600_000).toISOString() });
  ghProbe("an issue state from the future", future, ghHeaders(future), [422]);
  for (const [why, body] of [
    ["not JSON", "this is not json"],
    ["truncated JSON", '{"action":'],
    ["an empty body", ""],
    ["a JSON array", "[]"],
    ["no repository", JSON.stringify({ action: "opened" })],
    ["a NUL in the title", issue({ title: `a${NUL}b` })],
    ["a number for the title", issue({ title: 42 })],
    ["no issue", JSON.stringify({ action: "opened", repository: { full_name: GITHUB_PROBE.repository } })],
    ["a negative issue number", issue({ number: -1 })],
    ["an odd state", issue({ state: "exploded" })],
    ["labels that are not a list", issue({ labels: "bug" })],
    ["a date that is not one", issue({ updated_at: "yesterday" })],
    ["an oversized title", issue({ title: "x".repeat(40_000) })],
  ] as const) {
    ghProbe(`signed, ${why}`, body, ghHeaders(body), [400]);
  }
  ghProbe("a form-encoded body", `payload=${encodeURIComponent(good)}`, ghHeaders(good, FORM), [415]);
  const huge = issue({ body: "x".repeat(1024 * 1024) });
  ghProbe("an oversized body", huge, ghHeaders(huge), [413]);
  for (const method of BAD_METHODS) probes.push({ what: `github webhook ${method}`, as: "webhook", method, path: gh, expect: [405] });

  // Health, metrics, heartbeat and the event stream: no token, bad tokens, odd parameters.
  const badAuth: Array<[string, string, Record<string, string>]> = [
    ["anonymous", "", {}],
    ["a bad bearer", "", { authorization: "Bearer nope" }],
    ["an agent token", "", { authorization: `Bearer ${tokens.agent}` }],
    ["an empty token", "?token=", {}],
    ["a NUL token", "?token=%00", {}],
    ["a long token", `?token=${"t".repeat(5000)}`, {}],
    ["two tokens", `?token=a&token=${tokens.api}`, {}],
    ["a session", "", { cookie: identities.find((i) => i.name === "viewer")!.cookie! }],
  ];
  for (const [why, q, headers] of badAuth) {
    probes.push({ what: `metrics with ${why}`, as: "machine", method: "GET", path: `/api/metrics${q}`, headers, expect: [401] });
    probes.push({ what: `heartbeat GET with ${why}`, as: "machine", method: "GET", path: `/api/heartbeat${q}`, headers, expect: [401] });
    probes.push({
      what: `heartbeat POST with ${why}`,
      as: "machine",
      method: "POST",
      path: `/api/heartbeat${q}`,
      headers: { ...JSON_TYPE, ...headers },
      body: Buffer.from(deepJson(20_000)),
      expect: [401],
    });
    if (why !== "a session") probes.push({ what: `events with ${why}`, as: "machine", method: "GET", path: `/api/events/stream${q}`, headers, expect: [401] });
    probes.push({ what: `health with ${why}`, as: "machine", method: "GET", path: `/api/health${q}&x=%00`.replace(/^(\/api\/health)&/, "$1?"), headers });
  }
  const signedIn = [
    ["api token", { authorization: `Bearer ${tokens.api}` }],
    ["a session", { cookie: identities.find((i) => i.name === "viewer")!.cookie! }],
  ] as const;
  for (const [who, headers] of signedIn) {
    for (const q of [
      "?workspace=bad",
      "?workspace=%00",
      `?workspace=${"a".repeat(500)}`,
      "?last_event_id=-1",
      "?last_event_id=abc",
      "?last_event_id=1e400",
      "?last_event_id=99999999999999999999",
      "?last_event_id=1.5",
    ]) {
      probes.push({ what: `events ${q} as ${who}`, as: "machine", method: "GET", path: `/api/events/stream${q}`, headers, expect: [400] });
    }
    for (const lastId of ["-5", "nope", "1e400", "9".repeat(40)]) {
      probes.push({
        what: `events Last-Event-ID ${lastId} as ${who}`,
        as: "machine",
        method: "GET",
        path: "/api/events/stream",
        headers: { ...headers, "last-event-id": lastId },
        expect: [400],
      });
    }
  }
  for (const path of ["/api/health", "/api/metrics", "/api/heartbeat", "/api/events/stream", "/admin/audit/export"]) {
    for (const method of BAD_METHODS) probes.push({ what: `${method} ${path}`, as: "machine", method, path, expect: [405] });
  }
  return probes;
}

// Sending and checking --------------------------------------------------------

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** One request over node:http: any method, any bytes; an event stream is cut after its headers. */
export function send(base: string, probe: Probe, identity: Identity | undefined, retried = false): Promise<Answer> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...probe.headers };
  if (identity?.cookie && !("cookie" in headers)) headers.cookie = identity.cookie;
  if (identity?.bearer && !("authorization" in headers)) headers.authorization = `Bearer ${identity.bearer}`;
  if (probe.body) headers["content-length"] = String(probe.body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: probe.method, path: probe.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      if ((res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
        return;
      }
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 512 * 1024) chunks.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`timed out: ${probe.method} ${probe.path.slice(0, 80)}`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed as idle just as this request took it: send again, once, on a new one
      // (as Node's documentation advises). A reset of a fresh connection is still an error.
      if (!retried && req.reusedSocket && error.code === "ECONNRESET") send(base, probe, identity, true).then(resolve, reject);
      else reject(error);
    });
    req.end(probe.body);
  });
}

/** A stable key per distinct request, to count them. */
export function probeKey(probe: Probe): string {
  const hash = createHash("sha256");
  hash.update(`${probe.as}\n${probe.method}\n${probe.path}\n${JSON.stringify(probe.headers ?? {})}\n`);
  if (probe.body) hash.update(probe.body);
  return hash.digest("hex");
}

/** What is wrong with an answer, if anything: the rules every answer follows, then the probe's own expectation. */
export function problemsWith(probe: Probe, answer: Answer, secrets: string[]): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`answered ${answer.status}`);
  if (probe.expect && !probe.expect.includes(answer.status)) problems.push(`answered ${answer.status}, expected one of ${probe.expect.join(", ")}`);
  if (answer.status === 405 && !answer.headers.allow) problems.push("a 405 without an Allow header");
  if (probe.method !== "GET" && probe.method !== "HEAD" && answer.status >= 200 && answer.status < 300)
    problems.push(`a write of bad input was accepted (${answer.status})`);
  if (/\bat (?:async )?[\w.$<>[\] ]+ \(?(?:file:|node:|\/)[^)\s]*:\d+:\d+\)?/.test(answer.body)) problems.push("a stack trace in the body");
  for (const leak of ["node_modules", "file://", ...secrets]) {
    if (leak && answer.body.includes(leak)) problems.push(`the body names ${leak.length > 24 ? `${leak.slice(0, 24)}…` : leak}`);
  }
  return problems;
}

/** Runs probes a few at a time; returns each with its answer or the error that stopped it. */
export async function runProbes(base: string, probes: Probe[], identities: Map<string, Identity>, concurrency = 4) {
  const results: Array<{ probe: Probe; answer?: Answer; error?: unknown }> = [];
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const probe = probes[next++]!;
      try {
        results.push({ probe, answer: await send(base, probe, identities.get(probe.as)) });
      } catch (error) {
        results.push({ probe, error });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
