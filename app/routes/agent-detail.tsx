import { Form, Link, data } from "react-router";
import { requestContext, workspaceContext } from "#app/context.server";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { deleteAgent, getAgent, rotateAgentToken, updateAgent } from "#app/db/agents.server";
import { getBudget } from "#app/db/costs.server";
import { getAgentPage } from "#app/db/analytics.server";
import { AGENT_TASKS_PER_PAGE, AUTONOMY_SENTENCE, costWords, count, parseTaskPage, runOutcomeLabel } from "#app/domain/analytics";
import { formatUsd } from "#app/domain/money";
import { STATUS_LABELS, type TaskStatus } from "#app/domain/task-status";
import { setAgentAutonomy } from "#app/db/governance.server";
import { AppError } from "#app/domain/errors";
import { AUTONOMY_LABELS, AUTONOMY_LEVELS, canSetAutonomy } from "#app/domain/autonomy";
import { agentSchema } from "#app/domain/forms/agent";
import { listGateways } from "#app/db/gateways.server";
import { autonomySchema } from "#app/domain/forms/governance";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { AgentForm } from "#app/components/agent-form";
import { FormError } from "#app/components/field";
import { BudgetPanel } from "#app/components/budget-panel";
import { roleAtLeast } from "#app/domain/roles";
import { budgetToast, saveBudget } from "#app/services/costs/budgets.server";
import { TokenReveal } from "#app/components/token-reveal";
import { newAgentToken } from "#app/services/auth/agent-tokens.server";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, found, invalidForm } from "#app/services/http/page-errors.server";
import { pathId } from "#app/services/workspace.server";
import { useActionResult } from "#app/components/use-action-result";
import { Time } from "#app/components/time";
import { AgentGatewayPanel } from "#app/components/agent-gateway";
import { AgentNow, AgentTaskTable } from "#app/components/agent-work";
import { agentGatewayPanel } from "./agent-detail.server";
import { getStopControls } from "#app/db/dispatch.server";
import { PauseForm } from "#app/components/stop-controls";
import type { Route } from "./+types/agent-detail";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";
import { ConfirmAction } from "#app/components/confirm-action";
import { SubmitButton } from "#app/components/submit-button";

export const handle = { ownHeading: true };
export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: `${loaderData?.agent.name ?? "Agent"} · Mission Control` }];

async function loadAgent(db: Parameters<typeof getAgent>[0], workspaceId: string, id: string | undefined) {
  const agent = await getAgent(db, pathId(id, "Agent"));
  if (agent?.workspace_id !== workspaceId) found(null, "Agent");
  return agent!;
}

// Action headers (Retry-After, Cache-Control: no-store) reach the document response.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") || actionHeaders.has("Cache-Control") ? actionHeaders : loaderHeaders;

export async function loader({ request, context, params, url }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const { rt } = context.get(requestContext);
  const workspace = context.get(workspaceContext);
  const agent = await loadAgent(db, workspace.id, params.agentId);
  const taskPage = parseTaskPage(url.searchParams.get("tasks"));
  // The database and the gateway are read at once; the gateway's reads have their own short deadline.
  const [budget, work, stops, gateway, gateways] = await Promise.all([
    getBudget(db, "agent", agent.id),
    getAgentPage(db, agent.id, { limit: AGENT_TASKS_PER_PAGE, offset: (taskPage - 1) * AGENT_TASKS_PER_PAGE }),
    getStopControls(db, workspace.id),
    rt.gateways.forAgent(agent.id).then((gw) => agentGatewayPanel(gw, agent.openclaw_agent_id)),
    listGateways(db),
  ]);
  return {
    workspace,
    agent,
    budget,
    work,
    taskPage,
    gateway,
    gateways: gateways.map((g) => ({ id: g.id, name: g.name })),
    pausedAt: stops.paused_agents.find((a) => a.id === agent.id)?.paused_at ?? null,
    now: new Date().toISOString(),
    role: user.role,
    canEdit: user.role !== "viewer",
    canRaise: roleAtLeast(user.role, "approver"),
  };
}

export async function action({ request, context, params, url }: Route.ActionArgs) {
  const { db, actor, log, user } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const agent = await loadAgent(db, workspace.id, params.agentId);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  try {
    if (intent === "update") {
      const parsed = parseForm(form, agentSchema);
      if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
      await updateAgent(db, agent.id, parsed.data, actor);
      return redirectWithToast(url.pathname, { kind: "success", message: `Saved ${quoted(parsed.data.name)}.` });
    }
    if (intent === "budget") {
      return (await saveBudget(db, user, actor, "agent", agent.id, form)) ?? redirectWithToast(url.pathname, { kind: "success", message: budgetToast(form) });
    }
    if (intent === "autonomy") {
      const parsed = parseForm(form, autonomySchema);
      if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
      // Whether this role may lower the agent's supervision is decided in SQL, by the actor's id.
      await setAgentAutonomy(db, agent.id, parsed.data.autonomy_level, actor);
      log.info({ event: "agent.autonomy_changed", agent_id: agent.id, to: parsed.data.autonomy_level }, "autonomy changed");
      return redirectWithToast(url.pathname, {
        kind: "success",
        message: `${quoted(agent.name)} now works at: ${AUTONOMY_LABELS[parsed.data.autonomy_level]}.`,
      });
    }
    if (intent === "rotate-token") {
      const token = newAgentToken();
      await rotateAgentToken(db, agent.id, token, actor);
      log.info({ event: "agent.token_rotated", agent_id: agent.id }, "agent token rotated");
      return data({ ok: true as const, token: token.token }, { headers: { "Cache-Control": "no-store" } });
    }
    if (intent === "delete") {
      await deleteAgent(db, agent.id, actor);
      return redirectWithToast(`/w/${workspace.slug}/agents`, { kind: "success", message: `Agent ${quoted(agent.name)} deleted.` });
    }
    return invalidForm({}, undefined, intent);
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, intent === "update" ? submittedValues(form) : undefined, intent);
    throw error;
  }
}

export default function AgentDetail({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { workspace, agent, canEdit, budget, canRaise, role, work, now, gateway, gateways, taskPage } = loaderData;
  const base = `/w/${workspace.slug}`;
  const token = actionData?.ok ? actionData.token : null;
  const failed = actionData && !actionData.ok ? actionData : null;
  const autonomyFailed = failed?.intent === "autonomy" ? failed : null;
  return (
    <main id="main" className="page page-narrow">
      <p className="crumbs">
        <Link to={`/w/${workspace.slug}/agents`}>← Agents</Link>
      </p>
      <h1>
        <span aria-hidden="true">{agent.emoji}</span> {agent.name}
      </h1>
      <dl className="agent-summary" data-testid="agent-summary">
        <div>
          <dt>Status</dt>
          <dd>{STATUS_WORDS[agent.status] ?? agent.status}</dd>
        </div>
        <div>
          <dt>Autonomy</dt>
          <dd data-testid="agent-autonomy">
            {AUTONOMY_LABELS[agent.autonomy_level]}. {AUTONOMY_SENTENCE[agent.autonomy_level]}
          </dd>
        </div>
        <div>
          <dt>Budget</dt>
          <dd data-testid="agent-budget">{budgetWords(budget)}</dd>
        </div>
        <div>
          <dt>API token</dt>
          <dd>
            {agent.has_token ? (
              <>
                {agent.token_hint}… issued {agent.token_created_at ? <Time value={agent.token_created_at} absolute /> : "at an unknown time"}
              </>
            ) : (
              "None issued"
            )}
          </dd>
        </div>
      </dl>
      {canEdit ? <PauseForm kind="agent" id={agent.id} pausedAt={loaderData.pausedAt} /> : null}
      {token ? <TokenReveal token={token} agentName={agent.name} /> : null}
      {failed && !["update", "budget", "autonomy"].includes(failed.intent ?? "") ? <FormError message={failed.formError} /> : null}
      <AgentNow current={work.current} base={base} now={now} />
      <AgentGatewayPanel panel={gateway} now={now} />
      <AgentTaskTable page={work} base={base} path={`${base}/agents/${agent.id}`} pageNumber={taskPage} />
      <AgentRuns work={work} base={base} />
      <BudgetPanel budget={budget} title="Agent budget" canEdit={canEdit} canRaise={canRaise} failed={failed?.intent === "budget" ? failed : null} />
      {canEdit ? (
        <>
          <section className="panel">
            <h2>Edit</h2>
            <AgentForm
              values={failed?.intent === "update" ? (failed.values ?? {}) : agent}
              errors={failed?.intent === "update" ? failed.errors : {}}
              formError={failed?.intent === "update" ? failed.formError : undefined}
              submitLabel="Save agent"
              intent="update"
              gateways={gateways}
            />
          </section>
          <section className="panel" aria-labelledby="autonomy-h">
            <h2 id="autonomy-h">Autonomy</h2>
            <p className="muted">
              The strictest of the agent's, the task type's and the stage's level applies; high-risk work is never autonomous. Less supervision (human in the
              loop → on the loop → autonomous) is an approver's or admin's change.
            </p>
            <FormError message={autonomyFailed?.formError} />
            <Form method="post" className="inline-form autonomy-form">
              <AuthenticityTokenInput />
              <input type="hidden" name="intent" value="autonomy" />
              <label className="sr-only" htmlFor="autonomy-level">
                Autonomy level
              </label>
              {/* Every level is offered; the database refuses a lowering this role may not make. */}
              <select
                id="autonomy-level"
                name="autonomy_level"
                defaultValue={agent.autonomy_level}
                aria-invalid={autonomyFailed?.errors.autonomy_level ? true : undefined}
                aria-describedby={autonomyFailed?.errors.autonomy_level ? "autonomy-level-error" : undefined}
              >
                {AUTONOMY_LEVELS.map((level) => (
                  <option key={level} value={level}>
                    {AUTONOMY_LABELS[level] + (canSetAutonomy(role, agent.autonomy_level, level) ? "" : " (approver or admin)")}
                  </option>
                ))}
              </select>
              <SubmitButton className="btn btn-small" pendingLabel="Saving…">
                Set autonomy
              </SubmitButton>
            </Form>
            {autonomyFailed?.errors.autonomy_level ? (
              <p id="autonomy-level-error" className="field-error">
                {autonomyFailed.errors.autonomy_level}
              </p>
            ) : null}
          </section>
          <section className="panel">
            <h2>API token</h2>
            <p className="muted">Issuing a new token revokes the current one at once.</p>
            {agent.has_token ? (
              <ConfirmAction
                label="Issue a new token…"
                warning="The current token stops working at once: the agent needs the new one before its next call."
                confirmLabel="Issue a new token"
                intent="rotate-token"
              />
            ) : (
              <Form method="post">
                <AuthenticityTokenInput />
                <input type="hidden" name="intent" value="rotate-token" />
                <SubmitButton className="btn" pendingLabel="Issuing…">
                  Issue a token
                </SubmitButton>
              </Form>
            )}
          </section>
          <ConfirmAction
            className="danger-zone"
            label="Delete agent…"
            warning="Tasks it finished keep their history; it must hold no assigned or running task. This cannot be undone."
            confirmLabel="Delete agent"
            intent="delete"
            error={actionData && "intent" in actionData && actionData.intent === "delete" ? actionData.formError : undefined}
          />
        </>
      ) : null}
    </main>
  );
}

const STATUS_WORDS: Record<string, string> = { standby: "Standing by", working: "Working", offline: "Offline" };

function budgetWords(b: Route.ComponentProps["loaderData"]["budget"]): string {
  if (b.daily_limit_usd === null && b.total_limit_usd === null)
    return `No budget set; ${formatUsd(b.spent_today_usd)} spent today (UTC), ${formatUsd(b.spent_total_usd)} in total.`;
  const parts: string[] = [];
  if (b.daily_limit_usd !== null) parts.push(`${formatUsd(b.spent_today_usd)} of ${formatUsd(b.daily_limit_usd)} spent today (UTC)`);
  if (b.total_limit_usd !== null) parts.push(`${formatUsd(b.spent_total_usd)} of ${formatUsd(b.total_limit_usd)} in total`);
  return `${parts.join("; ")}.`;
}

const statusLabel = (s: string) => STATUS_LABELS[s as TaskStatus] ?? s;

type Work = Route.ComponentProps["loaderData"]["work"];

function AgentRuns({ work, base }: { work: Work; base: string }) {
  return (
    <section className="panel" aria-labelledby="agent-runs-h" data-testid="agent-runs">
      <h2 id="agent-runs-h">Recent runs</h2>
      {work.runs.length === 0 ? (
        <p className="empty">No runs yet: a run starts when a task is dispatched to the agent.</p>
      ) : (
        <ol className="agent-run-list">
          {work.runs.map((r) => (
            <li key={`${r.task_id}-${r.run_id ?? r.started_at}`} data-outcome={r.outcome}>
              <div className="run-head">
                <Link to={`${base}/tasks/${r.task_id}`}>{r.title}</Link>
                <span className={`chip run-${r.outcome}`}>{runOutcomeLabel(r, statusLabel)}</span>
              </div>
              <dl className="run-facts">
                <div>
                  <dt>Started</dt>
                  <dd>
                    <Time value={r.started_at} absolute />
                  </dd>
                </div>
                <div>
                  <dt>Ended</dt>
                  <dd>{r.ended_at ? <Time value={r.ended_at} absolute /> : "—"}</dd>
                </div>
                <div>
                  <dt>Tokens</dt>
                  <dd>{r.usage.records === 0 ? "none recorded" : count(r.usage.tokens)}</dd>
                </div>
                <div>
                  <dt>Cost</dt>
                  <dd>{costWords(r.usage)}</dd>
                </div>
              </dl>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
