import { z } from "zod";
import { COLUMN_LIMITS as L, INPUT_LIMITS, atMost } from "../field-limits";
import { isTimeZone } from "../time";

const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address" }).max(L.users.email));

const detectedZone = z
  .string()
  .max(L.users.time_zone)
  .optional()
  .transform((v) => (isTimeZone(v) ? v : undefined));

/** The zone a user picks on their settings page. */
export const timeZoneSchema = z
  .object({
    time_zone: z.string({ error: "Choose a time zone from the list" }).refine(isTimeZone, "Choose a time zone from the list"),
  })
  .strict();

export const loginSchema = z
  .object({
    email,
    password: z.string().min(1, "Enter your password").max(INPUT_LIMITS.password, atMost(INPUT_LIMITS.password)),
    redirectTo: z.string().max(INPUT_LIMITS.redirectTo).default("/"),
    /** The browser's zone, filled by script; a name this server does not know is ignored, never a refusal. */
    time_zone: detectedZone,
  })
  .strict();

export const setupSchema = z
  .object({
    token: z.string().min(1).max(INPUT_LIMITS.setupToken),
    name: z.string().trim().min(1, "Your name is required").max(L.users.name, atMost(L.users.name)),
    email,
    password: z.string().min(12, "Use at least 12 characters").max(INPUT_LIMITS.password, atMost(INPUT_LIMITS.password)),
    confirm: z.string(),
    time_zone: detectedZone,
  })
  .strict()
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The passwords do not match" });
