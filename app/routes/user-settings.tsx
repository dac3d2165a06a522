import { Form } from "react-router";
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

export const meta: Route.MetaFunction = () => [{ title: "Your settings · Mission Control" }];

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { user } = operator(context, request, "viewer");
  return { timeZone: user.time_zone, zones: supportedTimeZones(), saved: url.searchParams.get("saved") === "1", now: new Date().toISOString() };
}

export async function action({ request, context, url }: Route.ActionArgs) {
  const { db, user } = operator(context, request, "viewer");
  const parsed = parseForm(await request.formData(), timeZoneSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values);
  await setUserTimeZone(db, user.id, parsed.data.time_zone);
  // Back to a plain GET that says it was saved, with or without JavaScript.
  return redirectWithToast(`${url.pathname}?saved=1`, { kind: "success", message: `Time zone saved: ${parsed.data.time_zone}.` });
}

export default function UserSettings({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted);
  const { timeZone, zones, saved, now } = loaderData;
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
          <FormError message={actionData?.formError} />
          <SelectField
            label="Time zone"
            name="time_zone"
            options={zones.map((z) => ({ value: z, label: z.replaceAll("_", " ") }))}
            defaultValue={actionData?.values?.time_zone ?? current}
            error={actionData?.errors.time_zone}
          />
          <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
            Save time zone
          </SubmitButton>
        </Form>
      </section>
      <section className="panel">
        <h2>Appearance</h2>
        <p className="muted">System follows this device's light or dark setting. The choice is kept in this browser.</p>
        <ThemeSwitch id="settings-theme-label" />
      </section>
    </main>
  );
}
