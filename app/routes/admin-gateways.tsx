import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { listGateways } from "#app/db/gateways.server";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS, INPUT_LIMITS } from "#app/domain/field-limits";
import { gatewayCreateSchema, gatewayIdSchema, gatewayUpdateSchema } from "#app/domain/forms/gateways";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { quoted } from "#app/domain/toast";
import { Field, FormError } from "#app/components/field";
import { ConfirmAction } from "#app/components/confirm-action";
import { SubmitButton } from "#app/components/submit-button";
import { useActionResult } from "#app/components/use-action-result";
import { editGateway, registerGateway, removeGateway } from "#app/services/agent-plane/gateway-admin.server";
import { gatewayTokenBox } from "#app/services/auth/gateway-tokens.server";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import type { Route } from "./+types/admin-gateways";

export const meta: Route.MetaFunction = () => [{ title: "Gateways · Mission Control" }];

// The OpenClaw gateways agents run on (decision 052): the default one from the
// environment, shown as it is, and the registered ones, which admins add, edit
// and remove here. A token is written once and never shown again.
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db, rt } = operator(context, request, "admin");
  const registered = await listGateways(db);
  const fallback = rt.gateways.get(null);
  const envUrl = rt.env.OPENCLAW_GATEWAY_URL ?? null;
  return {
    defaultGateway: envUrl ? { url: envUrl, status: fallback?.status ?? "disabled" } : null,
    gateways: registered.map((g) => ({ ...g, status: rt.gateways.get(g.id)?.status ?? "disconnected" })),
  };
}

/** What a refused form keeps: everything but the token. */
const withoutToken = (form: FormData) => ({ ...submittedValues(form), token: "" });

export async function action({ request, context }: Route.ActionArgs) {
  const { db, rt, actor, log } = operator(context, request, "admin");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const deps = { db, box: gatewayTokenBox(rt.secrets.SESSION_SECRET), gateways: rt.gateways };
  const formKey = intent === "update" ? `update:${String(form.get("gateway_id") ?? "")}` : intent;
  try {
    switch (intent) {
      case "create": {
        const parsed = parseForm(form, gatewayCreateSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, withoutToken(form), formKey);
        const row = await registerGateway(deps, parsed.data, actor);
        log.info({ event: "gateway.registered", gateway_id: row.id, name: row.name, url: row.url }, "gateway registered");
        return redirectWithToast("/admin/gateways", { kind: "success", message: `Gateway ${quoted(row.name)} registered.` });
      }
      case "update": {
        const parsed = parseForm(form, gatewayUpdateSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, withoutToken(form), formKey);
        const row = await editGateway(deps, parsed.data, actor);
        log.info({ event: "gateway.edited", gateway_id: row.id, name: row.name, url: row.url, token_changed: parsed.data.token !== "" }, "gateway edited");
        return redirectWithToast("/admin/gateways", { kind: "success", message: `Gateway ${quoted(row.name)} saved.` });
      }
      case "delete": {
        const parsed = parseForm(form, gatewayIdSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, formKey);
        await removeGateway(deps, parsed.data.gateway_id, actor);
        log.info({ event: "gateway.removed_by_admin", gateway_id: parsed.data.gateway_id }, "gateway removed");
        return redirectWithToast("/admin/gateways", { kind: "success", message: "Gateway removed." });
      }
      default:
        return invalidForm({}, undefined, formKey);
    }
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, intent === "delete" ? undefined : withoutToken(form), formKey);
    throw error;
  }
}

function Status({ status }: { status: string }) {
  return (
    <span className={`gw gw-${status}`} data-testid="gateway-status">
      <span className="gw-dot" aria-hidden="true" /> {status}
    </span>
  );
}

export default function AdminGateways({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { defaultGateway, gateways } = loaderData;
  const createFailed = actionData?.intent === "create" ? actionData : null;
  const deleteFailed = actionData?.intent === "delete" ? actionData : null;
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Gateways</h1>
      </div>
      <p className="muted">
        The OpenClaw gateways agents run on. Each agent belongs to one (on its page); an agent without one uses the default gateway. Each gateway connects on
        its own: one that is down holds up only its own agents.
      </p>
      <FormError message={deleteFailed?.formError} />
      <ul className="gateway-list">
        <li className="panel" data-gateway="default">
          <h2>Default gateway</h2>
          {defaultGateway ? (
            <p>
              <Status status={defaultGateway.status} /> <code>{defaultGateway.url}</code>{" "}
              <span className="muted">from OPENCLAW_GATEWAY_URL and OPENCLAW_GATEWAY_TOKEN; change it in the environment file.</span>
            </p>
          ) : (
            <p className="muted">None: OPENCLAW_GATEWAY_URL is not set, so agents without a gateway of their own cannot be dispatched.</p>
          )}
        </li>
        {gateways.map((g) => {
          const failed = actionData?.intent === `update:${g.id}` ? actionData : null;
          const v = failed?.values ?? {};
          return (
            <li key={g.id} className="panel" data-gateway={g.name} aria-labelledby={`gw-${g.id}`}>
              <h2 id={`gw-${g.id}`}>{g.name}</h2>
              <p>
                <Status status={g.status} /> <code>{g.url}</code>{" "}
                <span className="muted">
                  · {g.agents} agent{g.agents === 1 ? "" : "s"}
                </span>
              </p>
              <details open={failed ? true : undefined}>
                <summary>Edit {g.name}</summary>
                <Form method="post" noValidate>
                  <AuthenticityTokenInput />
                  <input type="hidden" name="intent" value="update" />
                  <input type="hidden" name="gateway_id" value={g.id} />
                  <FormError message={failed?.formError} />
                  <div className="form-row">
                    <Field
                      label="Name"
                      name="name"
                      defaultValue={v.name ?? g.name}
                      error={failed?.errors.name}
                      maxLength={COLUMN_LIMITS.gateways.name}
                      required
                    />
                    <Field label="URL" name="url" defaultValue={v.url ?? g.url} error={failed?.errors.url} maxLength={COLUMN_LIMITS.gateways.url} required />
                    <Field
                      label="New token"
                      name="token"
                      type="password"
                      autoComplete="off"
                      error={failed?.errors.token}
                      maxLength={INPUT_LIMITS.gatewayToken}
                      hint="Leave empty to keep the saved token (it is never shown again)."
                    />
                  </div>
                  <SubmitButton className="btn btn-small" pendingLabel="Saving…">
                    Save {g.name}
                  </SubmitButton>
                </Form>
              </details>
              <ConfirmAction
                small
                label="Remove…"
                warning={
                  g.agents > 0
                    ? `${g.agents} agent${g.agents === 1 ? "" : "s"} run on ${g.name}: move them to another gateway first.`
                    : `Mission Control disconnects from ${g.name} and forgets its token.`
                }
                confirmLabel={`Remove ${g.name}`}
                intent="delete"
                fields={{ gateway_id: g.id }}
              />
            </li>
          );
        })}
      </ul>
      <section className="panel" aria-labelledby="new-gateway">
        <h2 id="new-gateway">Register a gateway</h2>
        <Form method="post" noValidate>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="create" />
          <FormError message={createFailed?.formError} />
          <div className="form-row">
            <Field
              label="Name"
              name="name"
              defaultValue={createFailed?.values?.name}
              error={createFailed?.errors.name}
              maxLength={COLUMN_LIMITS.gateways.name}
              required
            />
            <Field
              label="URL"
              name="url"
              defaultValue={createFailed?.values?.url}
              error={createFailed?.errors.url}
              maxLength={COLUMN_LIMITS.gateways.url}
              placeholder="wss://gateway.example:18789"
              hint="ws:// or wss:// only."
              required
            />
            <Field
              label="Token"
              name="token"
              type="password"
              autoComplete="off"
              error={createFailed?.errors.token}
              maxLength={INPUT_LIMITS.gatewayToken}
              hint="Stored encrypted; never shown again."
              required
            />
          </div>
          <SubmitButton className="btn btn-primary" pendingLabel="Registering…">
            Register gateway
          </SubmitButton>
        </Form>
      </section>
    </main>
  );
}
