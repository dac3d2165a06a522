import { Form, Link } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { getNotificationChannel } from "#app/db/notifications.server";
import {
  CHANNEL_KINDS,
  NOTIFICATIONS_PATH,
  NOTIFICATION_KINDS,
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_TOLERANCE_S,
  displayTarget,
  isNotificationKind,
  secretHint,
} from "#app/domain/notifications";
import { FormError } from "#app/components/field";
import { SubmitButton } from "#app/components/submit-button";
import { Time } from "#app/components/time";
import { useActionResult } from "#app/components/use-action-result";
import { operator } from "#app/services/auth/operator.server";
import { found } from "#app/services/http/page-errors.server";
import { notificationChannelAction } from "./notification-settings.server";
import type { Route } from "./+types/notification-channel";

export const meta: Route.MetaFunction = () => [{ title: "Notification channel · Mission Control" }];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "viewer");
  const channel = UUID.test(params.channelId) ? await getNotificationChannel(db, user.id, params.channelId) : null;
  return { channel: found(channel, "Channel"), now: new Date().toISOString() };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  return notificationChannelAction(context, request, params.channelId);
}

const kindLabel = (kind: string) => (isNotificationKind(kind) ? NOTIFICATION_KINDS[kind].label : kind);

export default function NotificationChannelPage({ loaderData, actionData: submitted }: Route.ComponentProps) {
  const actionData = useActionResult(submitted) as { intent?: string; formError?: string } | undefined;
  const { channel, now } = loaderData;
  return (
    <main id="main" className="page page-narrow">
      <p>
        <Link to={NOTIFICATIONS_PATH}>← Notifications</Link>
      </p>
      <h1>{channel.name}</h1>
      <section className="panel" aria-labelledby="channel-h">
        <h2 id="channel-h">{CHANNEL_KINDS[channel.kind].label}</h2>
        <dl className="facts">
          <dt>Sends to</dt>
          <dd>{displayTarget(channel.kind, channel.target)}</dd>
          {channel.kind === "telegram" ? (
            <>
              <dt>Bot token</dt>
              <dd>{secretHint(channel.secret_hint)}</dd>
            </>
          ) : null}
          <dt>State</dt>
          <dd data-testid="channel-state">
            {channel.failing
              ? `Failing: the last ${channel.consecutive_failures} attempts failed. Messages keep retrying.`
              : channel.enabled
                ? "On"
                : "Off (turn it on in your preferences)"}
          </dd>
          {channel.last_error ? (
            <>
              <dt>Last error</dt>
              <dd>{channel.last_error}</dd>
            </>
          ) : null}
        </dl>
        {channel.signing_secret ? (
          <details>
            <summary>Signing secret and how to check a request</summary>
            <p>
              <code data-testid="signing-secret">{channel.signing_secret}</code>
            </p>
            <p className="muted">
              {`Each request carries ${WEBHOOK_TIMESTAMP_HEADER} (unix seconds) and ${WEBHOOK_SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with this secret>. Compare in constant time and reject a timestamp more than ${WEBHOOK_TOLERANCE_S} seconds from your clock. ${WEBHOOK_DELIVERY_HEADER} is the same on every retry of one notification: use it to ignore a repeat.`}
            </p>
          </details>
        ) : null}
        <div className="actions">
          <Form method="post">
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="test" />
            <input type="hidden" name="channel_id" value={channel.id} />
            <SubmitButton className="btn btn-primary" pendingLabel="Queuing…">
              Send a test
            </SubmitButton>
          </Form>
        </div>
        <FormError message={actionData?.intent === "test" || actionData?.intent === "replay" ? actionData.formError : undefined} />
      </section>

      {channel.waiting.length > 0 ? (
        <section className="panel" aria-labelledby="waiting-h">
          <h2 id="waiting-h">Waiting to be sent</h2>
          <ul>
            {channel.waiting.map((w) => (
              <li key={w.id} data-testid="waiting-row">
                {kindLabel(w.kind)}
                {" · next attempt "}
                <Time value={w.deliver_after} now={now} />
                {w.last_error ? ` · ${w.last_error}` : ""}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section className="panel" aria-labelledby="log-h">
        <h2 id="log-h">Delivery log</h2>
        {channel.deliveries.length === 0 ? (
          <p className="muted">Nothing sent yet.</p>
        ) : (
          <div className="table-scroll" tabIndex={0}>
            <table className="table stack" data-testid="delivery-log">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Notification</th>
                  <th>Attempt</th>
                  <th>Result</th>
                  <th>
                    <span className="sr-only">Replay</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {channel.deliveries.map((d) => (
                  <tr key={d.id} data-delivery-id={d.id} data-ok={d.ok ? "true" : "false"}>
                    <td data-label="When">
                      <Time value={d.created_at} now={now} />
                    </td>
                    <td data-label="Notification">{kindLabel(d.kind)}</td>
                    <td data-label="Attempt">{d.replay ? `${d.attempt} (replay)` : String(d.attempt)}</td>
                    <td data-label="Result">{d.ok ? `Delivered${d.status_code ? ` (${d.status_code})` : ""}` : `Failed: ${d.error ?? "no answer"}`}</td>
                    <td data-label="Replay">
                      <Form method="post">
                        <AuthenticityTokenInput />
                        <input type="hidden" name="intent" value="replay" />
                        <input type="hidden" name="delivery_id" value={d.id} />
                        <SubmitButton className="btn btn-small" pendingLabel="Sending…">
                          Send again
                        </SubmitButton>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel danger-zone">
        <h2>Remove channel</h2>
        <p>Nothing more is sent to it; its delivery log goes with it.</p>
        <Form method="post">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="remove" />
          <input type="hidden" name="channel_id" value={channel.id} />
          <SubmitButton className="btn btn-danger" pendingLabel="Removing…">
            Remove channel
          </SubmitButton>
        </Form>
        <FormError message={actionData?.intent === "remove" ? actionData.formError : undefined} />
      </section>
    </main>
  );
}
