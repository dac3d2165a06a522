import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { listTaskTypes, updateTaskType } from "#app/db/governance.server";
import { AUTONOMY_LABELS, AUTONOMY_LEVELS, GATED_ACTIONS, RISKS } from "#app/domain/autonomy";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS, EXEC_ALLOWLIST_LIMITS } from "#app/domain/field-limits";
import { taskTypeSchema } from "#app/domain/forms/governance";
import { parseForm } from "#app/domain/forms/parse";
import { FormError } from "#app/components/field";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import type { Route } from "./+types/admin-task-types";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";
import { SubmitButton } from "#app/components/submit-button";

export const meta: Route.MetaFunction = () => [{ title: "Task types · Mission Control" }];

const GATE_LABELS: Record<(typeof GATED_ACTIONS)[number], string> = {
  dispatch: "Dispatch",
  stage_advance: "Stage advance",
  review_done: "Review → done",
  agent_action: "Agent-requested actions",
};

// Governance settings per task type; every change is audited (in SQL).
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db } = operator(context, request, "admin");
  return { types: await listTaskTypes(db) };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, actor } = operator(context, request, "admin");
  const form = await request.formData();
  // Checkboxes repeat the field; fold them into one list before strict parsing.
  const gates = form.getAll("gate").map(String);
  form.delete("gate");
  form.set("gated_actions", gates.join(","));
  const parsed = parseForm(form, taskTypeSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, String(form.get("id") ?? ""));
  try {
    const { id, ...fields } = parsed.data;
    await updateTaskType(db, id, fields, actor);
    return redirectWithToast("/admin/task-types", { kind: "success", message: `Task type ${quoted(fields.name)} saved.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, undefined, parsed.data.id);
    throw error;
  }
}

export default function AdminTaskTypes({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Task types</h1>
      </div>
      <p className="muted">What each kind of work risks, how much an agent may do alone, and which actions need a human.</p>
      {loaderData.types.map((t) => {
        const failed = actionData?.intent === t.id ? actionData : null;
        return (
          <section key={t.id} className="panel" aria-labelledby={`tt-${t.id}`} data-task-type={t.key}>
            <h2 id={`tt-${t.id}`}>{t.name}</h2>
            <Form method="post" className="task-type-form">
              <AuthenticityTokenInput />
              <input type="hidden" name="id" value={t.id} />
              <FormError message={failed?.formError} />
              <div className="form-row">
                <label>
                  Name <input name="name" defaultValue={t.name} maxLength={COLUMN_LIMITS.task_types.name} />
                </label>
                <label>
                  Risk
                  <select name="risk" defaultValue={t.risk}>
                    {RISKS.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  Default autonomy
                  <select name="default_autonomy" defaultValue={t.default_autonomy} aria-invalid={failed?.errors.default_autonomy ? true : undefined}>
                    {AUTONOMY_LEVELS.map((l) => (
                      <option key={l} value={l}>
                        {AUTONOMY_LABELS[l]}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  Veto window (min) <input name="veto_minutes" type="number" min={1} max={1440} defaultValue={t.veto_minutes} />
                </label>
                <label>
                  When a request expires
                  <select name="expiry_policy" defaultValue={t.expiry_policy}>
                    <option value="deny">Deny</option>
                    <option value="escalate">Escalate to admins once</option>
                  </select>
                </label>
              </div>
              {failed?.errors.default_autonomy ? <p className="field-error">{failed.errors.default_autonomy}</p> : null}
              <fieldset className="gates">
                <legend>Needs a human for</legend>
                {GATED_ACTIONS.map((g) => (
                  <label key={g} className="choice">
                    <input type="checkbox" name="gate" value={g} defaultChecked={t.gated_actions.includes(g)} /> {GATE_LABELS[g]}
                  </label>
                ))}
              </fieldset>
              <label className="exec-allowlist">
                Commands an autonomous agent may run without asking, one per line (<code>*</code> for any text; a command that chains, pipes or redirects never
                matches)
                <textarea
                  name="exec_allowlist"
                  rows={3}
                  defaultValue={t.exec_allowlist.join("\n")}
                  maxLength={EXEC_ALLOWLIST_LIMITS.perType * (EXEC_ALLOWLIST_LIMITS.length + 2)}
                  aria-invalid={failed?.errors.exec_allowlist ? true : undefined}
                  placeholder={"git status\nnpm test\nls *"}
                />
              </label>
              {failed?.errors.exec_allowlist ? <p className="field-error">{failed.errors.exec_allowlist}</p> : null}
              <SubmitButton className="btn btn-small" pendingLabel="Saving…">
                Save {t.name}
              </SubmitButton>
            </Form>
          </section>
        );
      })}
    </main>
  );
}
