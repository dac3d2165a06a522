import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { setUserTimeZone } from "#app/db/auth.server";
import { timeZoneSchema } from "#app/domain/forms/auth";
import { parseForm } from "#app/domain/forms/parse";
import { formatDateTime, supportedTimeZones, zoneOr } from "#app/domain/time";
import { FormError, SelectField } from "#app/components/field";
import { ThemeSwitch } from "#app/components/theme-switch";
import { useActionResult } from "#app/components/use-action-result";
import { operator } from "#app/services/auth/operator.server";
import { invalidForm } from "#app/services/http/page-errors.server";
import type { Route } from "./+types/user-settings";
import { redirectWithToast } from "#app/services/http/toast.server";
import { SubmitButton } from "#app/components/submit-button";
import { PushSubscribe } from "#app/components/push-subscribe";
import { pushDevicesData } from "./push-devices.server";
import { apiKeyAction, apiKeysData, isApiKeyIntent } from "./api-keys.server";
import { ApiKeysPanel } from "#app/components/api-keys-panel";

export const meta: Route.MetaFunction = () => [{ title: "Your settings · Mission Control" }];

// Action headers (Cache-Control: no-store on a new API key's one response) reach the document response.
export const headers: Route.HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") || actionHeaders.has("Cache-Control") ? actionHeaders : loaderHeaders;

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { user } = operator(context, request, "viewer");
  return {
    timeZone: user.time_zone,
    zones: supportedTimeZones(),
    saved: url.searchParams.get("saved") === "1",
    now: new Date().toISOString(),
    push: await pushDevicesData(context, request),
    apiKeys: await apiKeysData(context, request),
  };
}

export async function action({ request, context, url }: Route.ActionArgs) {
  const { db, rt, user } = operator(context, request, "viewer");
  const form = await request.formData();
  const intent = form.get("intent");
  if (isApiKeyIntent(intent)) return apiKeyAction(context, request, intent, form);
  const parsed = parseForm(form, timeZoneSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values);
  await setUserTimeZone(db, user.id, parsed.data.time_zone);
  rt.sessions.forgetUser(user.id);
  // Back to a plain GET that says it was saved, with or without JavaScript.
  return redirectWithToast(`${url.pathname}?saved=1`, { kind: "success", message: `Time zone saved: ${parsed.data.time_zone}.` });
}

export default function UserSettings({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { timeZone, zones, saved, now } = loaderData;
  const keyResult = actionData && "intent" in actionData && (actionData.intent === "create-key" || actionData.intent === "revoke-key") ? actionData : null;
  const createdKey = actionData && "createdKey" in actionData ? actionData.createdKey : null;
  const zoneResult = keyResult || createdKey ? undefined : actionData;
  const current = zoneOr(timeZone);
  return (
    <main id="main" className="page page-narrow">
      <h1>Your settings</h1>
      <section className="panel">
        <h2>Time zone</h2>
        <p className="muted">
          Times on every page are shown in this zone, and a task due on a day is due at the end of that day here.
          {timeZone === null ? " None is set yet, so times are in UTC." : null}
        </p>
        {saved ? (
          <p className="notice" role="status">
            Saved. It is now {formatDateTime(now, current)}.
          </p>
        ) : null}
        <Form method="post" noValidate>
          <AuthenticityTokenInput />
          <FormError message={zoneResult && "formError" in zoneResult ? zoneResult.formError : undefined} />
          <SelectField
            label="Time zone"
            name="time_zone"
            options={zones.map((z) => ({ value: z, label: z.replaceAll("_", " ") }))}
            defaultValue={(zoneResult && "values" in zoneResult ? zoneResult.values?.time_zone : undefined) ?? current}
            error={zoneResult && "errors" in zoneResult ? zoneResult.errors.time_zone : undefined}
          />
          <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
            Save time zone
          </SubmitButton>
        </Form>
      </section>
      <section className="panel">
        <h2>Notifications</h2>
        <p className="muted">Approvals waiting for you, stalled or finished tasks, budget warnings and more, by webhook, Slack, Telegram or email.</p>
        <p>
          <Link to="/settings/notifications">Notification preferences and channels</Link>
        </p>
      </section>
      <section className="panel">
        <h2>Appearance</h2>
        <p className="muted">System follows this device's light or dark setting. The choice is kept in this browser.</p>
        <ThemeSwitch id="settings-theme-label" />
      </section>
      <PushSubscribe data={loaderData.push} />
      <ApiKeysPanel data={loaderData.apiKeys} created={createdKey} failure={keyResult && !keyResult.ok ? keyResult : null} />
    </main>
  );
}
