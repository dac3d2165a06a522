import { Link, data } from "react-router";
import { createAgent, listAgents } from "#app/db/api.server";
import { AppError } from "#app/domain/errors";
import { agentSchema } from "#app/domain/forms/agent";
import { parseForm } from "#app/domain/forms/parse";
import { AgentForm } from "#app/components/agent-form";
import { TokenReveal } from "#app/components/token-reveal";
import { newAgentToken } from "#app/services/agent-tokens.server";
import { operator } from "#app/services/operator.server";
import { actionFailure, invalidForm } from "#app/services/ui-errors.server";
import { loadWorkspace } from "#app/services/workspace.server";
import type { Route } from "./+types/agents";

export const meta: Route.MetaFunction = () => [{ title: "Agents · Mission Control" }];

// Action headers (Retry-After, Cache-Control: no-store) reach the document response.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) => (actionHeaders.has("Retry-After") || actionHeaders.has("Cache-Control") ? actionHeaders : loaderHeaders);

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const workspace = await loadWorkspace(db, params.slug);
  return { workspace, agents: await listAgents(db, workspace.id), canEdit: user.role !== "viewer" };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { db, actor, log } = operator(context, request);
  const workspace = await loadWorkspace(db, params.slug);
  const form = await request.formData();
  if (form.get("intent") !== "create") return invalidForm({}, undefined, "create");
  const parsed = parseForm(form, agentSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, "create");
  const token = newAgentToken();
  try {
    const agent = await createAgent(db, workspace.id, parsed.data, token, actor);
    log.info({ event: "agent.created", agent_id: agent.id }, "agent created");
    // The token is in this one response only; it is not stored in clear anywhere.
    return data({ ok: true as const, created: { id: agent.id, name: agent.name, token: token.token } }, { status: 201, headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, parsed.data, "create");
    throw error;
  }
}

export default function Agents({ loaderData, actionData }: Route.ComponentProps) {
  const { workspace, agents, canEdit } = loaderData;
  const created = actionData?.ok ? actionData.created : null;
  const failed = actionData && !actionData.ok ? actionData : null;
  return (
    <main className="page">
      {created ? <TokenReveal token={created.token} agentName={created.name} /> : null}
      {agents.length === 0 ? <p className="empty">No agents yet.</p> : null}
      <ul className="agent-list">
        {agents.map((a) => (
          <li key={a.id} className="agent-row">
            <span className="agent-emoji" aria-hidden="true">{a.emoji}</span>
            <div className="agent-main">
              <Link to={`/w/${workspace.slug}/agents/${a.id}`} className="agent-name">{a.name}</Link>
              <span className="muted">{a.role || "No role"}{a.model ? ` · ${a.model}` : ""}</span>
            </div>
            <span className={`agent-status agent-${a.status}`}>{a.status}</span>
            <span className="muted">{a.active_tasks ?? 0} active</span>
            <span className="muted">{a.has_token ? `token ${a.token_hint}…` : "no token"}</span>
          </li>
        ))}
      </ul>
      {canEdit ? (
        <section className="panel">
          <h2>New agent</h2>
          <AgentForm
            values={created ? {} : (failed && "values" in failed ? (failed.values ?? {}) : {})}
            errors={failed?.errors ?? {}}
            formError={failed?.formError}
            submitLabel="Create agent"
            intent="create"
            key={created?.id ?? "new"}
          />
        </section>
      ) : null}
    </main>
  );
}
