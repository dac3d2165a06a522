import { randomBytes } from "node:crypto";
import { type NotificationChannel, createNotificationChannel } from "#app/db/notifications.server";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import type { AddChannelInput } from "#app/domain/forms/notifications";
import { type Lookup, OutboundRefused, vetOutboundUrl } from "./outbound.server";

// Adding a channel (decision 047): the form's schema has checked the shape;
// here a webhook or Slack URL is resolved and refused when it points at a
// private or local address (unless its host is on the allowlist), email
// needs the server's SMTP settings, and a webhook gets its signing secret.

export interface ChannelSettings {
  allowedHosts: string[];
  smtpConfigured: boolean;
  lookup?: Lookup;
}

const fieldError = (field: string, message: string) => new AppError("invalid", message, { fields: { [field]: message } });

export async function addChannel(db: Database, userId: string, input: AddChannelInput, settings: ChannelSettings): Promise<NotificationChannel> {
  switch (input.kind) {
    case "webhook":
    case "slack": {
      try {
        await vetOutboundUrl(input.url, settings.allowedHosts, settings.lookup);
      } catch (error) {
        if (error instanceof OutboundRefused) throw fieldError("url", error.message);
        throw error;
      }
      const secret = input.kind === "webhook" ? `whsec_${randomBytes(24).toString("base64url")}` : null;
      return createNotificationChannel(db, userId, { kind: input.kind, name: input.name, target: input.url, secret });
    }
    case "telegram":
      return createNotificationChannel(db, userId, { kind: "telegram", name: input.name, target: input.chat_id, secret: input.bot_token });
    case "email":
      if (!settings.smtpConfigured) throw fieldError("email", "Email is not set up on this server: its administrator sets SMTP_URL first.");
      return createNotificationChannel(db, userId, { kind: "email", name: input.name, target: input.email, secret: null });
  }
}
