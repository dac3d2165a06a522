import { Form, Link, data } from "react-router";
import { workspaceContext } from "#app/context.server";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { type Agent, createAgent, listAgents } from "#app/db/agents.server";
import { listGateways } from "#app/db/gateways.server";
import type { Gateway } from "#app/services/agent-plane/gateway.server";
import { AppError } from "#app/domain/errors";
import { agentSchema } from "#app/domain/forms/agent";
import { parseForm } from "#app/domain/forms/parse";
import { AgentForm } from "#app/components/agent-form";
import { TokenReveal } from "#app/components/token-reveal";
import { newAgentToken } from "#app/services/auth/agent-tokens.server";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import type { Route } from "./+types/agents";
import { SubmitButton } from "#app/components/submit-button";
import { gatewayRefusal } from "#app/domain/first-run";

export const meta: Route.MetaFunction = () => [{ title: "Agents · Mission Control" }];

// Action headers (Retry-After, Cache-Control: no-store) reach the document response.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") || actionHeaders.has("Cache-Control") ? actionHeaders : loaderHeaders;

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, rt, user } = operator(context, request, "viewer");
  const workspace = context.get(workspaceContext);
  const agents = await listAgents(db, workspace.id);
  const registered = await listGateways(db);
  // The gateway's agents are fetched only when asked for (?import=1, from ?gateway=<id> or the default), never on every view.
  const from = url.searchParams.get("gateway") || null;
  const source = from && registered.some((g) => g.id === from) ? from : null;
  const gateway = rt.gateways.get(source);
  const importable = url.searchParams.get("import") === "1" ? await gatewayAgents(gateway, source, agents) : null;
  return {
    workspace,
    agents,
    importable,
    importFrom: source,
    gateway: gateway?.status ?? "disabled",
    gateways: registered.map((g) => ({ id: g.id, name: g.name })),
    canEdit: user.role !== "viewer",
  };
}

async function gatewayAgents(gateway: Gateway | null, gatewayId: string | null, existing: Agent[]) {
  if (gateway?.status !== "connected") return { error: "The OpenClaw gateway is not connected.", agents: [] };
  try {
    // An agent id is taken per gateway: two gateways may both run a "main".
    const taken = new Set(existing.filter((a) => a.gateway_id === gatewayId).map((a) => a.openclaw_agent_id));
    const listed = await gateway.listAgents();
    return { error: null, agents: listed.filter((a) => !taken.has(a.id)) };
  } catch (error) {
    return { error: `The gateway did not list its agents (${(error as Error).message}).`, agents: [] };
  }
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "import") {
    // An agent from the gateway: its id and name prefill a normal create.
    form.set("intent", "create");
    for (const [key, fallback] of [
      ["role", ""],
      ["emoji", ""],
      ["model", ""],
      ["status", "standby"],
    ] as const) {
      if (!form.has(key)) form.set(key, fallback);
    }
  } else if (intent !== "create") return invalidForm({}, undefined, "create");
  const parsed = parseForm(form, agentSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, "create");
  const token = newAgentToken();
  try {
    const agent = await createAgent(db, workspace.id, parsed.data, token, actor);
    log.info({ event: "agent.created", agent_id: agent.id }, "agent created");
    // The token is in this one response only; it is not stored in clear anywhere.
    return data(
      { ok: true as const, created: { id: agent.id, name: agent.name, token: token.token } },
      { status: 201, headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, parsed.data, "create");
    throw error;
  }
}

export default function Agents({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, agents, canEdit, importable, importFrom, gateway, gateways } = loaderData;
  const created = actionData?.ok ? actionData.created : null;
  const failed = actionData && !actionData.ok ? actionData : null;
  return (
    <main id="main" className="page">
      {created ? <TokenReveal token={created.token} agentName={created.name} /> : null}
      {agents.length === 0 ? <p className="empty">No agents yet.</p> : null}
      <ul className="agent-list">
        {agents.map((a) => (
          <li key={a.id} className="agent-row">
            <span className="agent-emoji" aria-hidden="true">
              {a.emoji}
            </span>
            <div className="agent-main">
              <Link to={`/w/${workspace.slug}/agents/${a.id}`} className="agent-name">
                {a.name}
              </Link>
              <span className="muted">
                {a.role || "No role"}
                {a.model ? ` · ${a.model}` : ""}
              </span>
            </div>
            <span className={`agent-status agent-${a.status}`}>{a.status}</span>
            <span className="muted">{a.active_tasks ?? 0} active</span>
            <span className="muted">{a.has_token ? `token ${a.token_hint}…` : "no token"}</span>
          </li>
        ))}
      </ul>
      {canEdit ? (
        <section className="panel" aria-labelledby="import-h">
          <h2 id="import-h">From the OpenClaw gateway</h2>
          {gateways.length > 0 ? (
            <p className="muted" data-testid="import-sources">
              From: <Link to="?import=1">the default gateway</Link>
              {gateways.map((g) => (
                <span key={g.id}>
                  {" · "}
                  <Link to={`?import=1&gateway=${g.id}`}>{g.name}</Link>
                </span>
              ))}
            </p>
          ) : null}
          {importable === null ? (
            gatewayRefusal(gateway) ? (
              <p className="muted" data-testid="import-unavailable">
                {gatewayRefusal(gateway)}
              </p>
            ) : (
              <p>
                <Link to="?import=1">List the gateway's agents</Link> <span className="muted">(gateway {gateway})</span>
              </p>
            )
          ) : importable.error ? (
            <p className="form-error">{importable.error}</p>
          ) : importable.agents.length === 0 ? (
            <p className="muted">Every gateway agent is already here.</p>
          ) : (
            <ul className="import-list">
              {importable.agents.map((a) => (
                <li key={a.id}>
                  <Form method="post" className="inline-form">
                    <AuthenticityTokenInput />
                    <input type="hidden" name="intent" value="import" />
                    <input type="hidden" name="openclaw_agent_id" value={a.id} />
                    <input type="hidden" name="name" value={a.name ?? a.id} />
                    <input type="hidden" name="model" value={a.model ?? ""} />
                    {gateways.length > 0 ? <input type="hidden" name="gateway_id" value={importFrom ?? ""} /> : null}
                    <span>
                      <strong>{a.name ?? a.id}</strong> <code>{a.id}</code> {a.model ? <span className="muted">{a.model}</span> : null}
                    </span>
                    <SubmitButton className="btn btn-small">Import</SubmitButton>
                  </Form>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
      {canEdit ? (
        <section className="panel">
          <h2>New agent</h2>
          <AgentForm
            values={created ? {} : failed && "values" in failed ? (failed.values ?? {}) : {}}
            errors={failed?.errors ?? {}}
            formError={failed?.formError}
            submitLabel="Create agent"
            intent="create"
            gateways={gateways}
            key={created?.id ?? "new"}
          />
        </section>
      ) : null}
    </main>
  );
}
