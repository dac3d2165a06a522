import { Form } from "react-router";
import { workspaceContext } from "#app/context.server";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { getBudget } from "#app/db/costs.server";
import { deleteWorkspace, getWorkspaceUrlAllowlist, setWorkspaceUrlAllowlist, updateWorkspace } from "#app/db/workspaces.server";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { urlAllowlistSchema, workspaceUpdateSchema } from "#app/domain/forms/workspace";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { Field, FormError } from "#app/components/field";
import { BudgetPanel } from "#app/components/budget-panel";
import { UrlAllowlistPanel } from "#app/components/url-allowlist-panel";
import { roleAtLeast } from "#app/domain/roles";
import { budgetToast, saveBudget } from "#app/services/costs/budgets.server";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import { getStopControls } from "#app/db/dispatch.server";
import { PauseForm } from "#app/components/stop-controls";
import type { Route } from "./+types/workspace-settings";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";
import { ConfirmAction } from "#app/components/confirm-action";
import { SubmitButton } from "#app/components/submit-button";
import { GithubPanel } from "#app/components/github-panel";
import { getGithubIntegration } from "#app/db/github.server";
import { listTaskTypes } from "#app/db/governance.server";
import { GITHUB_INTENTS, githubSettingsAction } from "./workspace-github.server";

export const meta: Route.MetaFunction = () => [{ title: "Workspace settings · Mission Control" }];

// Action headers (Retry-After, Cache-Control: no-store on a generated webhook secret) reach the document response.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") || actionHeaders.has("Cache-Control") ? actionHeaders : loaderHeaders;

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, rt, user } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const [budget, hosts, github, taskTypes] = await Promise.all([
    getBudget(db, "workspace", workspace.id),
    getWorkspaceUrlAllowlist(db, workspace.id),
    getGithubIntegration(db, workspace.id),
    listTaskTypes(db),
  ]);
  return {
    github,
    githubWebhookUrl: `${rt.env.publicUrl}/api/webhooks/github`,
    taskTypeKeys: taskTypes.map((t) => t.key),
    workspace,
    budget,
    canRaise: roleAtLeast(user.role, "approver"),
    urlAllowlist: hosts ?? [],
    instanceHosts: rt.env.TESTING_URL_ALLOWLIST,
    isAdmin: user.role === "admin",
    pausedAt: (await getStopControls(db, workspace.id)).workspace_paused_at,
    saved: url.searchParams.get("saved"),
  };
}

export async function action({ request, context, url }: Route.ActionArgs) {
  const { db, actor, log, user } = operator(context, request);
  const workspace = context.get(workspaceContext);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  try {
    if (intent === "rename") {
      const parsed = parseForm(form, workspaceUpdateSchema);
      if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
      await updateWorkspace(db, workspace.id, parsed.data, actor);
      return redirectWithToast(url.pathname, { kind: "success", message: `Workspace ${quoted(parsed.data.name)} saved.` });
    }
    if (intent === "url-allowlist") {
      const parsed = parseForm(form, urlAllowlistSchema);
      if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
      // Admins only: checked in SQL.
      await setWorkspaceUrlAllowlist(db, workspace.id, parsed.data.hosts, user.id);
      return redirectWithToast(`${url.pathname}?saved=url-allowlist#url-allowlist`, { kind: "success", message: "Allowed hosts saved." });
    }
    if ((GITHUB_INTENTS as readonly string[]).includes(intent)) {
      const connected = (await getGithubIntegration(db, workspace.id)) !== null;
      return githubSettingsAction(db, log, { workspaceId: workspace.id, userId: user.id, form, intent, path: url.pathname, connected });
    }
    if (intent === "budget") {
      return (
        (await saveBudget(db, user, actor, "workspace", workspace.id, form)) ?? redirectWithToast(url.pathname, { kind: "success", message: budgetToast(form) })
      );
    }
    if (intent === "delete") {
      await deleteWorkspace(db, workspace.id, actor);
      log.info({ event: "workspace.deleted", workspace_id: workspace.id }, "workspace deleted");
      return redirectWithToast("/", { kind: "success", message: `Workspace ${quoted(workspace.name)} deleted.` });
    }
    return invalidForm({}, undefined, intent);
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, intent === "rename" || intent === "url-allowlist" ? submittedValues(form) : undefined, intent);
    throw error;
  }
}

export default function WorkspaceSettings({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const failure = actionData && !actionData.ok ? actionData : null;
  const revealed = actionData?.ok ? actionData : null;
  const { workspace, budget, canRaise } = loaderData;
  const renameFailed = failure?.intent === "rename" ? failure : null;
  const deleteFailed = failure?.intent === "delete" ? failure : null;
  return (
    <main id="main" className="page page-narrow">
      <section className="panel" aria-labelledby="pause-h">
        <h2 id="pause-h">Pause</h2>
        <p className="muted">A paused workspace dispatches nothing; the heartbeat skips it until it is resumed.</p>
        <PauseForm kind="workspace" id={workspace.id} pausedAt={loaderData.pausedAt} />
      </section>
      <section className="panel">
        <h2>Rename</h2>
        <Form method="post" noValidate>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="rename" />
          <FormError message={renameFailed?.formError} />
          <Field
            label="Name"
            name="name"
            error={renameFailed?.errors.name}
            defaultValue={renameFailed?.values?.name ?? workspace.name}
            maxLength={COLUMN_LIMITS.workspaces.name}
            required
          />
          <Field
            label="Icon"
            name="icon"
            error={renameFailed?.errors.icon}
            defaultValue={renameFailed?.values?.icon ?? workspace.icon}
            maxLength={COLUMN_LIMITS.workspaces.icon}
          />
          <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
            Save
          </SubmitButton>
        </Form>
      </section>
      <BudgetPanel budget={budget} title="Workspace budget" canEdit canRaise={canRaise} failed={failure?.intent === "budget" ? failure : null} />
      <UrlAllowlistPanel
        hosts={loaderData.urlAllowlist}
        instanceHosts={loaderData.instanceHosts}
        canEdit={loaderData.isAdmin}
        saved={loaderData.saved === "url-allowlist"}
        failed={failure?.intent === "url-allowlist" ? failure : null}
      />
      <GithubPanel
        integration={loaderData.github}
        webhookUrl={loaderData.githubWebhookUrl}
        taskTypeKeys={loaderData.taskTypeKeys}
        canEdit={loaderData.isAdmin}
        saved={loaderData.saved === "github"}
        revealed={revealed ? { secret: revealed.secret, repository: revealed.repository } : null}
        failed={failure?.intent === "github" ? failure : null}
        disconnectFailed={failure?.intent === "github-disconnect" ? failure.formError : undefined}
      />
      <section className="panel danger-zone">
        <h2>Delete workspace</h2>
        <p>Only an empty workspace can be deleted: remove its tasks and agents first.</p>
        <ConfirmAction
          label="Delete workspace…"
          warning={`${workspace.name} and its settings go for good; this cannot be undone.`}
          confirmLabel={`Delete ${workspace.name}`}
          intent="delete"
          error={deleteFailed?.formError}
        />
      </section>
    </main>
  );
}
