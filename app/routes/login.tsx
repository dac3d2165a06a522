import { Form, data, redirect } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { requestContext, userContext } from "#app/context.server";
import { countUsers, setUserTimeZone } from "#app/db/auth.server";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { loginSchema } from "#app/domain/forms/auth";
import { parseForm } from "#app/domain/forms/parse";
import { safeRedirect } from "#app/domain/safe-redirect";
import { startSession, verifyLogin } from "#app/services/auth/sessions.server";
import { invalidForm } from "#app/services/http/page-errors.server";
import { Field } from "#app/components/field";
import { DetectedTimeZoneInput } from "#app/components/time";
import { useActionResult } from "#app/components/use-action-result";
import type { Route } from "./+types/login";
import { SubmitButton } from "#app/components/submit-button";
import { Icon } from "#app/components/icon";

export const meta: Route.MetaFunction = () => [{ title: "Sign in · Mission Control" }];

// Action headers (Retry-After, Cache-Control: no-store) reach the document response.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") || actionHeaders.has("Cache-Control") ? actionHeaders : loaderHeaders;

export async function loader({ url, context }: Route.LoaderArgs) {
  if (context.get(userContext)) throw redirect(safeRedirect(url.searchParams.get("redirectTo")));
  const { rt } = context.get(requestContext);
  const { users } = await countUsers(rt.db);
  // A set-up link used after the first admin exists lands here.
  const setupDone = users > 0 && url.searchParams.get("setup") === "done";
  return { redirectTo: safeRedirect(url.searchParams.get("redirectTo")), needsSetup: users === 0, setupDone };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { rt, log, clientIp } = context.get(requestContext);
  const parsed = parseForm(await request.formData(), loginSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, { email: parsed.values.email ?? "" });
  const { email, password, redirectTo, time_zone } = parsed.data;
  const result = await verifyLogin({ db: rt.db, settings: rt.env }, email, password, clientIp);
  if (!result.ok) {
    log.warn({ event: "auth.login_failed", email, locked: Boolean(result.retryAfterS) }, "login failed");
    if (result.retryAfterS) {
      return data(
        {
          ok: false as const,
          errors: {},
          values: { email },
          formError: `Too many failed attempts. Try again in ${Math.ceil(result.retryAfterS / 60)} minute(s).`,
        },
        { status: 429, headers: { "Retry-After": String(result.retryAfterS) } },
      );
    }
    return data({ ok: false as const, errors: {}, values: { email }, formError: "Wrong email or password." }, { status: 401 });
  }
  // Where to go is settled before the session row is written: nothing after that write may fail.
  const to = safeRedirect(redirectTo);
  log.info({ event: "auth.login", user_id: result.user.id }, "signed in");
  // The browser's zone is stored once; after that only the settings page changes it.
  if (time_zone && result.user.time_zone === null) await setUserTimeZone(rt.db, result.user.id, time_zone);
  throw redirect(to, {
    headers: { "Set-Cookie": await startSession({ db: rt.db, settings: rt.env, secrets: rt.secrets }, result.user.id, request, clientIp) },
  });
}

export default function Login({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const errors: Record<string, string | undefined> = actionData?.errors ?? {};
  return (
    <main id="main" className="auth-page">
      <Form method="post" className="auth-card" noValidate>
        <h1>
          <Icon name="brand" size={22} className="brand-mark" /> Mission Control
        </h1>
        {loaderData.needsSetup ? <p className="notice">No administrator exists yet. Use the set-up link printed in the server log.</p> : null}
        {loaderData.setupDone ? <p className="notice">Set-up is already complete. Sign in instead.</p> : null}
        {actionData?.formError ? (
          <p className="form-error" role="alert">
            {actionData.formError}
          </p>
        ) : null}
        <AuthenticityTokenInput />
        <input type="hidden" name="redirectTo" value={loaderData.redirectTo} />
        <DetectedTimeZoneInput />
        <Field
          label="Email"
          name="email"
          type="email"
          error={errors.email}
          defaultValue={actionData?.values?.email}
          autoComplete="username"
          maxLength={COLUMN_LIMITS.users.email}
          required
        />
        <Field label="Password" name="password" type="password" error={errors.password} autoComplete="current-password" required />
        <SubmitButton className="btn btn-primary" pendingLabel="Signing in…">
          Sign in
        </SubmitButton>
      </Form>
    </main>
  );
}
