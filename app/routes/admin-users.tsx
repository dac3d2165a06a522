import { Form, redirect } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { createUser, endUserSessions, listUsers, setUserDisabled, setUserPassword, setUserRole } from "#app/db/auth.server";
import { AppError } from "#app/domain/errors";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { userCreateSchema, userIdSchema, userPasswordSchema, userRoleSchema } from "#app/domain/forms/users";
import { ROLES } from "#app/domain/roles";
import { Field, FormError, SelectField } from "#app/components/field";
import { hashPassword } from "#app/services/auth/crypto.server";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { useActionResult } from "#app/components/use-action-result";
import type { Route } from "./+types/admin-users";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";
import { ConfirmAction } from "#app/components/confirm-action";
import { SubmitButton } from "#app/components/submit-button";

export const meta: Route.MetaFunction = () => [{ title: "Users · Mission Control" }];

export async function loader({ request, context }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "admin");
  return { users: await listUsers(db), me: user.id };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { db, rt, user, log } = operator(context, request, "admin");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  let message = "Saved.";
  try {
    switch (intent) {
      case "create": {
        const parsed = parseForm(form, userCreateSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, { ...parsed.values, password: "" }, intent);
        const { name, email, role, password } = parsed.data;
        await createUser(db, { email, name, role, passwordHash: await hashPassword(password) }, user.id);
        message = `${quoted(name)} can now sign in as ${role}.`;
        break;
      }
      case "role": {
        const parsed = parseForm(form, userRoleSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await setUserRole(db, parsed.data.user_id, parsed.data.role, user.id);
        rt.sessions.forgetUser(parsed.data.user_id);
        message = `Role changed to ${parsed.data.role}.`;
        break;
      }
      case "disable":
      case "enable": {
        const parsed = parseForm(form, userIdSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await setUserDisabled(db, parsed.data.user_id, intent === "disable", user.id);
        rt.sessions.forgetUser(parsed.data.user_id);
        message = intent === "disable" ? "Account disabled: its sessions are ended." : "Account enabled.";
        break;
      }
      case "sign-out": {
        const parsed = parseForm(form, userIdSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await endUserSessions(db, parsed.data.user_id, user.id);
        rt.sessions.forgetUser(parsed.data.user_id);
        // Signing yourself out everywhere includes this browser.
        if (parsed.data.user_id === user.id) return redirect("/login");
        message = "Signed out everywhere.";
        break;
      }
      case "password": {
        const parsed = parseForm(form, userPasswordSchema);
        if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
        await setUserPassword(db, parsed.data.user_id, await hashPassword(parsed.data.password), user.id);
        rt.sessions.forgetUser(parsed.data.user_id);
        if (parsed.data.user_id === user.id) return redirect("/login");
        message = "Password changed.";
        break;
      }
      default:
        return invalidForm({}, undefined, intent);
    }
    log.info({ event: "user.admin_change", intent, by: user.id }, "user management change");
    return redirectWithToast("/admin/users", { kind: "success", message });
  } catch (error) {
    // A refused new user (an email already taken) keeps what was typed, never the password.
    if (error instanceof AppError) return actionFailure(error, intent === "create" ? { ...submittedValues(form), password: "" } : undefined, intent);
    throw error;
  }
}

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: r[0]!.toUpperCase() + r.slice(1) }));

export default function AdminUsers({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { users, me } = loaderData;
  const createFailed = actionData?.intent === "create" ? actionData : null;
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Users</h1>
      </div>
      {actionData && actionData.intent !== "create" ? <FormError message={actionData.formError} /> : null}
      <ul className="user-list">
        {users.map((u) => (
          <li key={u.id} id={`user-${u.id}`} className="panel user-row" data-user={u.email}>
            <p className="user-head">
              <strong>{u.name}</strong> <span className="muted">{u.email}</span> <span className="role-tag">{u.role}</span>
              {u.disabled ? <span className="badge badge-urgent">disabled</span> : null}
              {u.id === me ? <span className="badge">you</span> : null}
              <span className="muted">
                {" "}
                · {u.sessions} session{u.sessions === 1 ? "" : "s"}
              </span>
            </p>
            <div className="button-row">
              <Form method="post" className="inline-form">
                <AuthenticityTokenInput />
                <input type="hidden" name="intent" value="role" />
                <input type="hidden" name="user_id" value={u.id} />
                <label className="sr-only" htmlFor={`role-${u.id}`}>
                  Role of {u.name}
                </label>
                <select id={`role-${u.id}`} name="role" defaultValue={u.role}>
                  {ROLE_OPTIONS.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
                <SubmitButton className="btn btn-small">Set role</SubmitButton>
              </Form>
              <ConfirmAction
                small
                label="Sign out everywhere…"
                warning={u.id === me ? "Every session of yours ends, this one included." : `Every session of ${u.name} ends; they sign in again.`}
                confirmLabel="Sign out everywhere"
                intent="sign-out"
                fields={{ user_id: u.id }}
              />
              {u.id !== me ? (
                u.disabled ? (
                  <Form method="post">
                    <AuthenticityTokenInput />
                    <input type="hidden" name="intent" value="enable" />
                    <input type="hidden" name="user_id" value={u.id} />
                    <SubmitButton className="btn btn-small">Enable</SubmitButton>
                  </Form>
                ) : (
                  <ConfirmAction
                    small
                    label="Disable…"
                    warning={`${u.name} can no longer sign in, and their sessions end. You can enable them again.`}
                    confirmLabel={`Disable ${u.name}`}
                    intent="disable"
                    fields={{ user_id: u.id }}
                  />
                )
              ) : null}
            </div>
            <details>
              <summary>Set a new password</summary>
              <Form method="post" className="inline-form">
                <AuthenticityTokenInput />
                <input type="hidden" name="intent" value="password" />
                <input type="hidden" name="user_id" value={u.id} />
                <label className="sr-only" htmlFor={`pw-${u.id}`}>
                  New password for {u.name}
                </label>
                <input id={`pw-${u.id}`} type="password" name="password" autoComplete="new-password" minLength={12} />
                <SubmitButton className="btn btn-small">Save password</SubmitButton>
              </Form>
            </details>
          </li>
        ))}
      </ul>
      <section className="panel" aria-labelledby="new-user">
        <h2 id="new-user">Add a user</h2>
        <Form method="post" noValidate>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="create" />
          <FormError message={createFailed?.formError} />
          <div className="form-row">
            <Field
              label="Name"
              name="name"
              error={createFailed?.errors.name}
              defaultValue={createFailed?.values?.name}
              maxLength={COLUMN_LIMITS.users.name}
              required
            />
            <Field
              label="Email"
              name="email"
              type="email"
              error={createFailed?.errors.email}
              defaultValue={createFailed?.values?.email}
              maxLength={COLUMN_LIMITS.users.email}
              required
            />
            <SelectField
              label="Role"
              name="role"
              options={ROLE_OPTIONS}
              defaultValue={createFailed?.values?.role ?? "operator"}
              error={createFailed?.errors.role}
            />
            <Field label="Temporary password" name="password" type="password" error={createFailed?.errors.password} hint="At least 12 characters." required />
          </div>
          <SubmitButton className="btn btn-primary">Add user</SubmitButton>
        </Form>
      </section>
    </main>
  );
}
