import { z } from "zod";
import { API_KEY_EXPIRY_DAYS, type ApiKeyScope } from "../api-keys";
import { COLUMN_LIMITS as L, atMost } from "../field-limits";
import { emptyToNull } from "./parse";

// The settings page's API key forms (decision 050). Each scope is its own
// checkbox (a form field sent once), the expiry a choice of days.

const checked = z.literal("1", { error: "Tick the box or leave it empty" }).optional();

export const apiKeyCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1, "Name the key").max(L.api_keys.name, atMost(L.api_keys.name)),
    scope_read: checked,
    scope_write: checked,
    scope_approve: checked,
    expires_in_days: z
      .preprocess(emptyToNull, z.enum(API_KEY_EXPIRY_DAYS.map(String) as [string, ...string[]], { error: "Choose an expiry from the list" }).nullable())
      .default(null),
  })
  .refine((v) => v.scope_read || v.scope_write || v.scope_approve, { path: ["scopes"], message: "Choose at least one scope" })
  .transform((v) => ({
    name: v.name,
    scopes: (["read", "write", "approve"] as const).filter((s) => v[`scope_${s}`] === "1") as ApiKeyScope[],
    days: v.expires_in_days === null ? null : Number(v.expires_in_days),
  }));

export const apiKeyRevokeSchema = z.strictObject({ key_id: z.uuid({ error: "Unknown key" }) });
