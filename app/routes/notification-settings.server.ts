import type { RouterContextProvider } from "react-router";
import {
  deleteNotificationChannel,
  enqueueChannelTest,
  getNotificationSettings,
  replayNotificationDelivery,
  setNotificationPreferences,
} from "#app/db/notifications.server";
import { AppError } from "#app/domain/errors";
import { addChannelSchema, channelIdSchema, preferencesSchema, replaySchema } from "#app/domain/forms/notifications";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { CHANNEL_KINDS, NOTIFICATIONS_PATH, channelPath } from "#app/domain/notifications";
import { quoted } from "#app/domain/toast";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import { addChannel } from "#app/services/notifications/channels.server";
import { kickNotifier } from "#app/services/notifications/notifier.server";

// The notification settings pages' actions (decision 047): every form posts
// here and answers with a redirect (post/redirect/get), so each works with
// JavaScript off; a refusal answers 4xx with the field's message and writes
// nothing.

type Context = Readonly<RouterContextProvider>;

export async function notificationSettingsAction(context: Context, request: Request) {
  const { db, rt, user } = operator(context, request, "viewer");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  try {
    if (intent === "preferences") {
      const current = await getNotificationSettings(db, user.id);
      const parsed = parseForm(form, preferencesSchema((current?.channels ?? []).map((c) => c.id)));
      if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
      await setNotificationPreferences(db, user.id, parsed.data);
      return redirectWithToast(`${NOTIFICATIONS_PATH}?saved=1`, { kind: "success", message: "Notification preferences saved." });
    }
    if (intent.startsWith("add-")) {
      const parsed = parseForm(form, addChannelSchema);
      if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
      const channel = await addChannel(db, user.id, parsed.data, { allowedHosts: rt.env.TESTING_URL_ALLOWLIST, smtpConfigured: Boolean(rt.env.SMTP_URL) });
      return redirectWithToast(channelPath(channel.id), {
        kind: "success",
        message: `${CHANNEL_KINDS[channel.kind].label} channel ${quoted(channel.name)} added. Send a test to check it.`,
      });
    }
    return invalidForm({ _form: "Unknown form." }, undefined, intent);
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, submittedValues(form), intent);
    throw error;
  }
}

export async function notificationChannelAction(context: Context, request: Request, channelId: string) {
  const { db, user } = operator(context, request, "viewer");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  try {
    if (intent === "test" || intent === "remove") {
      const parsed = parseForm(form, channelIdSchema);
      if (!parsed.ok || parsed.data.channel_id !== channelId)
        return invalidForm(parsed.ok ? { channel_id: "Unknown channel" } : parsed.errors, undefined, intent);
      if (intent === "remove") {
        await deleteNotificationChannel(db, user.id, channelId);
        return redirectWithToast(NOTIFICATIONS_PATH, { kind: "success", message: "Channel removed." });
      }
      await enqueueChannelTest(db, user.id, channelId);
      kickNotifier();
      return redirectWithToast(channelPath(channelId), { kind: "success", message: "Test message queued; its delivery shows below." });
    }
    if (intent === "replay") {
      const parsed = parseForm(form, replaySchema);
      if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
      await replayNotificationDelivery(db, user.id, parsed.data.delivery_id);
      kickNotifier();
      return redirectWithToast(channelPath(channelId), { kind: "success", message: "Sent again as a replay; its delivery shows below." });
    }
    return invalidForm({ _form: "Unknown form." }, undefined, intent);
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, undefined, intent);
    throw error;
  }
}
