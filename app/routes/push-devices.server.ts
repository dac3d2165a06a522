import { type RouterContextProvider, data } from "react-router";
import { getPushSubscription, listPushSubscriptions, markPushSubscriptionExpired, recordPushSuccess, removePushSubscription } from "#app/db/auth.server";
import { PUSH_DEVICE_INTENTS, pushDeviceFormSchema } from "#app/domain/forms/push";
import { parseForm } from "#app/domain/forms/parse";
import { DEFAULT_NOTIFICATION_PATH } from "#app/domain/push";
import { operator } from "#app/services/auth/operator.server";
import { sendWebPush } from "#app/services/notifications/web-push.server";
import { found } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";

// The settings page's "Notifications on this device" panel (decision 048):
// what it shows, and its two forms, which work without JavaScript.

/** Where the forms go back to: the settings page, at the panel. */
const BACK = "/settings#devices";

/** The signed-in user's devices and the public key a browser subscribes with. */
export async function pushDevicesData(context: Readonly<RouterContextProvider>, request: Request) {
  const { db, user, rt } = operator(context, request, "viewer");
  const devices = await listPushSubscriptions(db, user.id);
  return {
    vapidPublicKey: rt.secrets.VAPID_PUBLIC_KEY,
    devices: devices.map((d) => ({ id: d.id, user_agent: d.user_agent, created_at: d.created_at, last_success_at: d.last_success_at })),
  };
}

export type PushDevicesData = Awaited<ReturnType<typeof pushDevicesData>>;

/**
 * Removes a device, or sends it a test notification and says how the push
 * service answered (a toast on the settings page). A malformed form is a 400
 * and a device that is not the user's a 404, changing nothing.
 */
export async function pushDeviceAction(context: Readonly<RouterContextProvider>, request: Request) {
  const { db, user } = operator(context, request, "viewer");
  const form = await request.formData();
  const intent = PUSH_DEVICE_INTENTS.find((i) => i === form.get("intent"));
  const parsed = parseForm(form, pushDeviceFormSchema);
  // Thrown, so the error page answers (this route's loader only sends visitors to the settings page).
  if (!parsed.ok || !intent) throw data({ message: "That device form was not understood: nothing was changed." }, { status: 400 });
  const { id } = parsed.data;
  const device = found(await getPushSubscription(db, user.id, id), "Device");
  if (intent === "remove") {
    await removePushSubscription(db, user.id, { id });
    return redirectWithToast(BACK, { kind: "success", message: `Removed ${device.user_agent || "the device"}: it gets no more notifications.` });
  }
  const result = await sendWebPush(
    device,
    { title: "Mission Control", body: "Test notification: this device gets your notifications.", url: DEFAULT_NOTIFICATION_PATH, tag: "mc-test" },
    { signal: request.signal, ttlSeconds: 60 },
  );
  if (result.ok) {
    await recordPushSuccess(db, device.endpoint);
    return redirectWithToast(BACK, { kind: "success", message: "Test notification sent: it should appear on the device in a moment." });
  }
  if (result.gone) {
    await markPushSubscriptionExpired(db, device.endpoint);
    return redirectWithToast(BACK, {
      kind: "error",
      message: "The push service no longer knows this device, so it was taken off the list. Choose “Notify me on this device” there again.",
    });
  }
  return redirectWithToast(BACK, {
    kind: "error",
    message: `The test notification was not sent. ${result.error}${result.retry ? " Try again in a moment." : ""}`,
  });
}
