import { Form, data, redirect } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { requestContext } from "#app/context.server";
import { checkSetupToken, countUsers, createFirstAdmin, setUserTimeZone } from "#app/db/auth.server";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { setupSchema } from "#app/domain/forms/auth";
import { parseForm } from "#app/domain/forms/parse";
import { startSession } from "#app/services/auth/sessions.server";
import { hashPassword, sha256Hex } from "#app/services/auth/crypto.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { Field } from "#app/components/field";
import { useActionResult } from "#app/components/use-action-result";
import { DetectedTimeZoneInput } from "#app/components/time";
import type { Route } from "./+types/setup";
import { SubmitButton } from "#app/components/submit-button";
import { Icon } from "#app/components/icon";

export const meta: Route.MetaFunction = () => [{ title: "Set up · Mission Control" }];

export async function loader({ url, context }: Route.LoaderArgs) {
  const { rt } = context.get(requestContext);
  const token = url.searchParams.get("token") ?? "";
  const { users } = await countUsers(rt.db);
  if (users > 0) throw redirect("/login?setup=done");
  const { valid } = token ? await checkSetupToken(rt.db, sha256Hex(token)) : { valid: false };
  if (!valid) {
    throw data({ message: "This set-up link is missing, has expired, or is no longer valid. Restart the server to print a new one." }, { status: 403 });
  }
  return { token };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { rt, log, clientIp } = context.get(requestContext);
  const parsed = parseForm(await request.formData(), setupSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, { ...parsed.values, password: "", confirm: "" });
  const { token, name, email, password, time_zone } = parsed.data;
  try {
    const user = await createFirstAdmin(rt.db, {
      setupTokenHash: sha256Hex(token),
      email,
      name,
      passwordHash: await hashPassword(password),
    });
    log.info({ event: "user.setup_admin", user_id: user.id }, "first admin created");
    if (time_zone) await setUserTimeZone(rt.db, user.id, time_zone);
    throw redirect("/", { headers: { "Set-Cookie": await startSession({ db: rt.db, settings: rt.env, secrets: rt.secrets }, user.id, request, clientIp) } });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, { name, email });
    throw error;
  }
}

export default function Setup({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const errors = actionData?.errors ?? {};
  const values = actionData?.values ?? {};
  return (
    <main id="main" className="auth-page">
      <Form method="post" className="auth-card" noValidate>
        <h1>
          <Icon name="brand" size={22} className="brand-mark" /> Set up Mission Control
        </h1>
        <p className="muted">Create the first administrator. This link works once.</p>
        {actionData?.formError ? (
          <p className="form-error" role="alert">
            {actionData.formError}
          </p>
        ) : null}
        <AuthenticityTokenInput />
        <input type="hidden" name="token" value={loaderData.token} />
        <DetectedTimeZoneInput />
        <Field label="Your name" name="name" error={errors.name} defaultValue={values.name} autoComplete="name" maxLength={COLUMN_LIMITS.users.name} required />
        <Field
          label="Email"
          name="email"
          type="email"
          error={errors.email}
          defaultValue={values.email}
          autoComplete="email"
          maxLength={COLUMN_LIMITS.users.email}
          required
        />
        <Field label="Password" name="password" type="password" error={errors.password} autoComplete="new-password" hint="At least 12 characters." required />
        <Field label="Repeat password" name="confirm" type="password" error={errors.confirm} autoComplete="new-password" required />
        <SubmitButton className="btn btn-primary" pendingLabel="Creating…">
          Create admin and sign in
        </SubmitButton>
      </Form>
    </main>
  );
}
