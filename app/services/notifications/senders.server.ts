import { createHmac } from "node:crypto";
import type { Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { ClaimedNotification } from "#app/db/notifications.server";
import {
  type NotificationMessage,
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  signedPayload,
} from "#app/domain/notifications";
import type { PushPayload } from "#app/domain/push";
import { OutboundRefused, postJson, vetOutboundUrl } from "./outbound.server";
import type { PushSubscriptionKeys, WebPushResult } from "./web-push.server";

// One sender per channel kind. Each delivers one message and says how it
// went; none throws for a receiver's failure, and none puts a secret (a bot
// token, a Slack URL's path) into the error it reports.
//
// Web Push goes to the device the row names (its target_key 'push:<id>',
// fanned out per device by notification_destinations in
// supabase/sql/18_notifications.sql) through the sender the settings carry.

/** Web Push as the outbox uses it: the sender (decision 048) and what to record of its answer. */
export interface WebPushDelivery {
  send(subscription: PushSubscriptionKeys, payload: PushPayload): Promise<WebPushResult>;
  /** The push service says the device is gone (404/410): it is marked expired. */
  gone(endpoint: string): Promise<void>;
  delivered(endpoint: string): Promise<void>;
}

export interface SendSettings {
  /** Hosts contacted even on a private address (TESTING_URL_ALLOWLIST). */
  allowedHosts: string[];
  telegramApiUrl: string;
  smtpUrl: string | undefined;
  smtpFrom: string;
  timeoutMs: number;
  webPush: WebPushDelivery;
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

type Sender = (n: ClaimedNotification, message: NotificationMessage, settings: SendSettings) => Promise<SendResult>;

const ok = (statusCode: number | null = null): SendResult => ({ ok: true, statusCode, error: null });
const failed = (error: string, statusCode: number | null = null): SendResult => ({ ok: false, statusCode, error });

function describe(error: unknown): string {
  if (error instanceof OutboundRefused) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  const text = error instanceof Error ? error.message : String(error);
  return code ? `${code}: ${text}` : text;
}

/** Signs `<timestamp>.<body>` with the channel's secret (HMAC-SHA256, hex). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(signedPayload(timestamp, body)).digest("hex");
}

async function post(url: string, allowedHosts: string[], body: unknown, headers: Record<string, string>, settings: SendSettings, redact?: string) {
  try {
    const target = await vetOutboundUrl(url, allowedHosts);
    const res = await postJson(target, typeof body === "string" ? body : JSON.stringify(body), headers, settings.timeoutMs);
    if (res.status >= 200 && res.status < 300) return { result: ok(res.status), body: res.body };
    const answer = res.body.slice(0, 200).trim();
    return { result: failed(`The receiver answered ${res.status}${answer ? `: ${answer}` : ""}`, res.status), body: res.body };
  } catch (error) {
    let text = describe(error);
    if (redact) text = text.replaceAll(redact, "…");
    return { result: failed(text), body: "" };
  }
}

const webhook: Sender = async (n, message, settings) => {
  const channel = n.channel!;
  const body = JSON.stringify({
    id: n.id,
    kind: n.kind,
    title: message.title,
    text: message.text,
    url: message.url,
    replay: n.replay,
    created_at: n.created_at,
    facts: n.facts,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: `sha256=${webhookSignature(channel.secret ?? "", timestamp, body)}`,
    [WEBHOOK_DELIVERY_HEADER]: n.id,
  };
  return (await post(channel.target, settings.allowedHosts, body, headers, settings)).result;
};

/** Slack's mrkdwn needs &, < and > escaped. */
const slackEscape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const slack: Sender = async (n, message, settings) => {
  const text = `*${slackEscape(message.title)}*\n${slackEscape(message.text)}\n<${message.url}|Open in Mission Control>`;
  const body = { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
  const url = new URL(n.channel!.target);
  return (await post(n.channel!.target, settings.allowedHosts, body, {}, settings, url.pathname)).result;
};

const telegram: Sender = async (n, message, settings) => {
  const token = n.channel!.secret ?? "";
  const base = settings.telegramApiUrl.replace(/\/+$/, "");
  // The API's host is the operator's setting, not a user's: it is on the allowlist by definition.
  const apiHost = new URL(base).hostname;
  const body = {
    chat_id: n.channel!.target,
    text: `${message.title}\n${message.text}\n${message.url}`,
    link_preview_options: { is_disabled: true },
  };
  const { result, body: answer } = await post(`${base}/bot${token}/sendMessage`, [...settings.allowedHosts, apiHost], body, {}, settings, token);
  if (!result.ok) {
    // Telegram explains a refusal in its JSON answer's description.
    try {
      const parsed = JSON.parse(answer) as { description?: string };
      if (parsed.description) return failed(`Telegram answered ${result.statusCode}: ${parsed.description.replaceAll(token, "…")}`, result.statusCode);
    } catch {
      // not JSON: keep the plain error
    }
  }
  return result;
};

const transports = new Map<string, Transporter<SMTPTransport.SentMessageInfo>>();

/** nodemailer loads with the first email, not with every start of the server. */
async function smtpTransport(url: string, timeoutMs: number): Promise<Transporter<SMTPTransport.SentMessageInfo>> {
  const { createTransport } = await import("nodemailer");
  return createTransport({ url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
}

const email: Sender = async (n, message, settings) => {
  if (!settings.smtpUrl) return failed("Email is not set up on this server (SMTP_URL is not set).");
  let transport = transports.get(settings.smtpUrl);
  if (!transport) {
    transport = await smtpTransport(settings.smtpUrl, settings.timeoutMs);
    transports.set(settings.smtpUrl, transport);
  }
  try {
    const info = await transport.sendMail({
      from: settings.smtpFrom,
      to: n.channel!.target,
      subject: `[Mission Control] ${message.title}`,
      text: `${message.text}\n\n${message.url}\n`,
      html: `<p>${escapeHtml(message.text)}</p><p><a href="${escapeHtml(message.url)}">Open in Mission Control</a></p>`,
      headers: { [WEBHOOK_DELIVERY_HEADER]: n.id },
    });
    return info.rejected.length > 0 ? failed(`The mail server refused ${info.rejected.join(", ")}`) : ok(null);
  } catch (error) {
    return failed(describe(error));
  }
};

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

const webPush: Sender = async (n, message, settings) => {
  if (!n.push) return failed("The device is no longer subscribed.");
  const answer = await settings.webPush.send(n.push, { title: message.title, body: message.text, url: message.url, tag: n.occasion });
  if (answer.ok) {
    await settings.webPush.delivered(n.push.endpoint);
    return ok(null);
  }
  if (answer.gone) await settings.webPush.gone(n.push.endpoint);
  return failed(answer.error, answer.status ?? null);
};

export const SENDERS: Record<ClaimedNotification["channel_kind"], Sender> = { webhook, slack, telegram, email, web_push: webPush };

/** Delivers one claimed notification with the sender of its channel kind. */
export async function deliver(n: ClaimedNotification, message: NotificationMessage, settings: SendSettings): Promise<SendResult> {
  const sender = SENDERS[n.channel_kind];
  if (!sender || (n.channel_kind !== "web_push" && !n.channel)) return failed(`No sender for ${n.channel_kind} on this server.`);
  return sender(n, message, settings);
}

/** Closes pooled SMTP connections (shutdown). */
export function closeSenders(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}
