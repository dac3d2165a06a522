import { z } from "zod";
import { COLUMN_LIMITS } from "../field-limits";

// A browser's push subscription as PushSubscription.toJSON() gives it
// (decision 048): the push service's endpoint and the keys the payload is
// encrypted to, a P-256 public key (65 bytes, uncompressed) and a 16-byte
// auth secret, both base64url.

const LIMITS = COLUMN_LIMITS.push_subscriptions;

/** Base64url text (padding allowed) that decodes to exactly `bytes` bytes. */
const base64url = (bytes: number, max: number, message: string) =>
  z
    .string({ error: message })
    .max(max, message)
    .refine((text) => {
      const bare = text.replace(/=+$/, "");
      return /^[A-Za-z0-9_-]+$/.test(bare) && Math.floor((bare.length * 3) / 4) === bytes && bare.length === Math.ceil((bytes * 4) / 3);
    }, message);

export const pushSubscriptionSchema = z.strictObject({
  endpoint: z.url({ error: "endpoint must be the push service's address" }).max(LIMITS.endpoint, `endpoint is longer than ${LIMITS.endpoint} characters`),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    // An uncompressed P-256 point starts with the byte 4, which is "B" in base64.
    p256dh: base64url(65, LIMITS.p256dh, "keys.p256dh must be the browser's P-256 public key").refine(
      (k) => k.startsWith("B"),
      "keys.p256dh must be the browser's P-256 public key",
    ),
    auth: base64url(16, LIMITS.auth, "keys.auth must be the browser's 16-byte auth secret"),
  }),
});

export type PushSubscriptionInput = z.output<typeof pushSubscriptionSchema>;

/** DELETE /api/push-subscriptions: the device by its endpoint (what the browser knows) or its id. */
export const pushUnsubscribeSchema = z.union([
  z.strictObject({ endpoint: z.string().min(1).max(LIMITS.endpoint, `endpoint is longer than ${LIMITS.endpoint} characters`) }),
  z.strictObject({ id: z.uuid({ error: "id must be a device id" }) }),
]);

/** The settings page's device forms (without JavaScript): remove a device, or send it a test notification. */
export const PUSH_DEVICE_INTENTS = ["remove", "test"] as const;
export const pushDeviceFormSchema = z.strictObject({ id: z.uuid({ error: "Unknown device" }) });
