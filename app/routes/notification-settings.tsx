import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { getNotificationSettings } from "#app/db/notifications.server";
import { COLUMN_LIMITS, INPUT_LIMITS } from "#app/domain/field-limits";
import { channelField, kindField } from "#app/domain/forms/notifications";
import { CHANNEL_KINDS, CHOOSABLE_KINDS, type ChannelKind, NOTIFICATION_KINDS, channelPath, clockTime, displayTarget } from "#app/domain/notifications";
import { zoneOr } from "#app/domain/time";
import { Field, FormError } from "#app/components/field";
import { SubmitButton } from "#app/components/submit-button";
import { useActionResult } from "#app/components/use-action-result";
import { operator } from "#app/services/auth/operator.server";
import { found } from "#app/services/http/page-errors.server";
import { notificationSettingsAction } from "./notification-settings.server";
import type { Route } from "./+types/notification-settings";

export const meta: Route.MetaFunction = () => [{ title: "Notifications · Mission Control" }];

export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, rt, user } = operator(context, request, "viewer");
  const settings = found(await getNotificationSettings(db, user.id), "User");
  return { settings, emailReady: Boolean(rt.env.SMTP_URL), saved: url.searchParams.get("saved") === "1" };
}

export async function action({ request, context }: Route.ActionArgs) {
  return notificationSettingsAction(context, request);
}

type Failure = { intent?: string; errors: Record<string, string>; formError?: string; values?: Record<string, string> } | undefined;

export default function NotificationSettings({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted) as Failure;
  const { settings, emailReady, saved } = loaderData;
  const prefsFailed = actionData?.intent === "preferences" ? actionData : undefined;
  const values = prefsFailed?.values;
  const checked = (field: string, fallback: boolean) => (values ? values[field] === "on" : fallback);
  return (
    <main id="main" className="page page-narrow">
      <p>
        <Link to="/settings">← Your settings</Link>
      </p>
      <h1>Notifications</h1>
      <section className="panel" aria-labelledby="prefs-h">
        <h2 id="prefs-h">What to hear about</h2>
        {saved ? (
          <p className="notice" role="status" data-testid="preferences-saved">
            Saved.
          </p>
        ) : null}
        <Form method="post" noValidate data-testid="preferences-form">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="preferences" />
          <FormError message={prefsFailed?.formError} />
          <fieldset>
            <legend>Events</legend>
            {CHOOSABLE_KINDS.map((kind) => (
              <label key={kind} className="choice">
                <input type="checkbox" name={kindField(kind)} defaultChecked={checked(kindField(kind), settings.kinds.includes(kind))} />{" "}
                {NOTIFICATION_KINDS[kind].label}
                {NOTIFICATION_KINDS[kind].urgent ? " (urgent: sent in quiet hours too)" : ""}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Quiet hours</legend>
            <p className="muted">{`Times in your time zone, ${zoneOr(settings.time_zone)}. Messages that are not urgent wait until the quiet hours end. Leave both empty for none.`}</p>
            <Field
              label="From (HH:MM)"
              name="quiet_start"
              placeholder="22:00"
              maxLength={INPUT_LIMITS.clockTime}
              defaultValue={values?.quiet_start ?? (settings.quiet_start === null ? "" : clockTime(settings.quiet_start))}
              error={prefsFailed?.errors.quiet_start}
            />
            <Field
              label="Until (HH:MM)"
              name="quiet_end"
              placeholder="07:00"
              maxLength={INPUT_LIMITS.clockTime}
              defaultValue={values?.quiet_end ?? (settings.quiet_end === null ? "" : clockTime(settings.quiet_end))}
              error={prefsFailed?.errors.quiet_end}
            />
          </fieldset>
          {settings.channels.length > 0 ? (
            <fieldset>
              <legend>Channels that receive them</legend>
              {settings.channels.map((c) => (
                <label key={c.id} className="choice">
                  <input type="checkbox" name={channelField(c.id)} defaultChecked={checked(channelField(c.id), c.enabled)} /> {c.name} (
                  {CHANNEL_KINDS[c.kind].label})
                </label>
              ))}
            </fieldset>
          ) : null}
          <SubmitButton className="btn btn-primary" pendingLabel="Saving…">
            Save preferences
          </SubmitButton>
        </Form>
      </section>

      <section className="panel" aria-labelledby="channels-h">
        <h2 id="channels-h">Your channels</h2>
        {settings.channels.length === 0 ? <p className="muted">No channels yet: add one below to receive notifications.</p> : null}
        <ul className="channel-list" data-testid="channel-list">
          {settings.channels.map((c) => (
            <li key={c.id} data-channel-id={c.id}>
              <Link to={channelPath(c.id)}>{c.name}</Link>{" "}
              <span className="muted">{`${CHANNEL_KINDS[c.kind].label} · ${displayTarget(c.kind, c.target)}`}</span>
              {c.enabled ? null : <span className="chip">off</span>}
              {c.failing ? (
                <span className="chip chip-danger" data-testid="channel-failing">
                  failing
                </span>
              ) : null}
              {c.pending > 0 ? <span className="muted">{` · ${c.pending} waiting`}</span> : null}
            </li>
          ))}
        </ul>
      </section>

      <section className="panel" aria-labelledby="add-h">
        <h2 id="add-h">Add a channel</h2>
        <AddChannelForm kind="webhook" failed={actionData} hint="Each request is signed: see the channel's page for the secret and how to check it.">
          <UrlField failed={actionData} kind="webhook" label="Webhook URL" />
        </AddChannelForm>
        <AddChannelForm kind="slack" failed={actionData} hint="An incoming webhook URL from your Slack app's settings.">
          <UrlField failed={actionData} kind="slack" label="Slack webhook URL" />
        </AddChannelForm>
        <AddChannelForm kind="telegram" failed={actionData} hint="Create a bot with BotFather, add it to the chat, and paste its token and the chat's id.">
          <Field
            label="Bot token"
            name="bot_token"
            type="password"
            autoComplete="off"
            maxLength={COLUMN_LIMITS.notification_channels.secret}
            error={failedFor(actionData, "telegram")?.errors.bot_token}
          />
          <Field
            label="Chat id"
            name="chat_id"
            defaultValue={failedFor(actionData, "telegram")?.values?.chat_id}
            error={failedFor(actionData, "telegram")?.errors.chat_id}
          />
        </AddChannelForm>
        <AddChannelForm
          kind="email"
          failed={actionData}
          hint={emailReady ? "Messages come from this server's mail account." : "Email is not set up on this server yet (its administrator sets SMTP_URL)."}
        >
          <Field
            label="Email address"
            name="email"
            type="email"
            maxLength={COLUMN_LIMITS.users.email}
            defaultValue={failedFor(actionData, "email")?.values?.email}
            error={failedFor(actionData, "email")?.errors.email}
          />
        </AddChannelForm>
      </section>
    </main>
  );
}

function failedFor(actionData: Failure, kind: ChannelKind) {
  return actionData?.intent === `add-${kind}` ? actionData : undefined;
}

function UrlField({ failed, kind, label }: { failed: Failure; kind: ChannelKind; label: string }) {
  const mine = failedFor(failed, kind);
  return (
    <Field
      label={label}
      name="url"
      type="url"
      maxLength={COLUMN_LIMITS.notification_channels.target}
      defaultValue={mine?.values?.url}
      error={mine?.errors.url}
    />
  );
}

function AddChannelForm({ kind, failed, hint, children }: { kind: ChannelKind; failed: Failure; hint: string; children: React.ReactNode }) {
  const mine = failedFor(failed, kind);
  return (
    <details className="add-channel" open={mine !== undefined} data-testid={`add-${kind}`}>
      <summary>{CHANNEL_KINDS[kind].label}</summary>
      <Form method="post" noValidate>
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value={`add-${kind}`} />
        <input type="hidden" name="kind" value={kind} />
        <p className="muted">{hint}</p>
        <FormError message={mine?.formError} />
        <Field
          label="Channel name"
          name="name"
          maxLength={COLUMN_LIMITS.notification_channels.name}
          defaultValue={mine?.values?.name}
          error={mine?.errors.name}
          required
        />
        {children}
        <SubmitButton className="btn btn-primary" pendingLabel="Adding…">
          Add channel
        </SubmitButton>
      </Form>
    </details>
  );
}
