import { z } from "zod";
import { COLUMN_LIMITS, INPUT_LIMITS, atMost } from "../field-limits";
import { CHOOSABLE_KINDS, type NotificationKind, minutesOfDay } from "../notifications";

// The notification settings' forms (decision 047): the preferences (a
// checkbox per kind and per channel, quiet hours as two clock times), and one
// small form per channel kind, so each works as a plain POST.

const LIMITS = COLUMN_LIMITS.notification_channels;

const checkbox = z
  .literal("on", { error: "Tick it or leave it out" })
  .optional()
  .transform((v) => v === "on");

const clock = z
  .string()
  .trim()
  .max(INPUT_LIMITS.clockTime, "Use a time like 22:00")
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text === "") return null;
    const minutes = minutesOfDay(text);
    if (minutes !== null) return minutes;
    ctx.issues.push({ code: "custom", message: "Use a time like 22:00", input: text });
    return z.NEVER;
  });

/** The field of a kind's checkbox and of a channel's. */
export const kindField = (kind: NotificationKind) => `kind_${kind}`;
export const channelField = (id: string) => `channel_${id}`;

export interface PreferencesInput {
  kinds: NotificationKind[];
  quiet_start: number | null;
  quiet_end: number | null;
  enabled_channels: string[];
}

/** The preferences form for a user with these channels. */
export function preferencesSchema(channelIds: string[]) {
  const shape: Record<string, z.ZodType> = { quiet_start: clock, quiet_end: clock };
  for (const kind of CHOOSABLE_KINDS) shape[kindField(kind)] = checkbox;
  for (const id of channelIds) shape[channelField(id)] = checkbox;
  return z
    .object(shape)
    .strict()
    .superRefine((v, ctx) => {
      const start = v.quiet_start as number | null;
      const end = v.quiet_end as number | null;
      if ((start === null) !== (end === null)) {
        ctx.addIssue({ code: "custom", path: [start === null ? "quiet_start" : "quiet_end"], message: "Give both a start and an end, or neither" });
      } else if (start !== null && start === end) {
        ctx.addIssue({ code: "custom", path: ["quiet_end"], message: "The end must differ from the start" });
      }
    })
    .transform((v): PreferencesInput => ({
      kinds: CHOOSABLE_KINDS.filter((k) => v[kindField(k)] === true),
      quiet_start: v.quiet_start as number | null,
      quiet_end: v.quiet_end as number | null,
      enabled_channels: channelIds.filter((id) => v[channelField(id)] === true),
    }));
}

const name = z.string().trim().min(1, "Give the channel a name").max(LIMITS.name, atMost(LIMITS.name));

const httpUrl = z
  .string()
  .trim()
  .min(1, "Paste the URL")
  .max(LIMITS.target, atMost(LIMITS.target))
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "" && url.username === "" && url.password === "";
    } catch {
      return false;
    }
  }, "Use an http or https URL (without a user name or password in it)");

/** A Telegram bot token as BotFather gives it: the bot's number, a colon, the secret. */
const TELEGRAM_TOKEN = /^\d{3,20}:[A-Za-z0-9_-]{20,150}$/;
/** A chat's number (groups are negative) or a public channel's @name. */
const TELEGRAM_CHAT = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

export const addChannelSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("webhook"), name, url: httpUrl }).strict(),
    z.object({ kind: z.literal("slack"), name, url: httpUrl }).strict(),
    z
      .object({
        kind: z.literal("telegram"),
        name,
        bot_token: z
          .string()
          .trim()
          .max(LIMITS.secret, atMost(LIMITS.secret))
          .regex(TELEGRAM_TOKEN, "Paste the bot token BotFather gave you (digits, a colon, then letters)"),
        chat_id: z.string().trim().regex(TELEGRAM_CHAT, "A chat id (digits, negative for a group) or a channel's @name"),
      })
      .strict(),
    z
      .object({
        kind: z.literal("email"),
        name,
        email: z
          .string()
          .trim()
          .toLowerCase()
          .max(COLUMN_LIMITS.users.email, atMost(COLUMN_LIMITS.users.email))
          .pipe(z.email({ error: "Use an email address like you@example.com" })),
      })
      .strict(),
  ],
  { error: "Choose a channel kind" },
);

export type AddChannelInput = z.output<typeof addChannelSchema>;

export const channelIdSchema = z.object({ channel_id: z.uuid({ error: "Unknown channel" }) }).strict();

export const replaySchema = z.object({ delivery_id: z.uuid({ error: "Unknown delivery" }) }).strict();
