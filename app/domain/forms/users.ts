import { z } from "zod";
import { COLUMN_LIMITS as L, INPUT_LIMITS, atMost } from "../field-limits";
import { ROLES } from "../roles";

const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address" }).max(L.users.email));
const password = z.string().min(12, "Use at least 12 characters").max(INPUT_LIMITS.password, atMost(INPUT_LIMITS.password));
const role = z.enum(ROLES, { error: "Choose a role" });
const userId = z.uuid({ error: "Unknown user" });

export const userCreateSchema = z
  .object({ name: z.string().trim().min(1, "A name is required").max(L.users.name, atMost(L.users.name)), email, role, password })
  .strict();
export const userRoleSchema = z.object({ user_id: userId, role }).strict();
export const userIdSchema = z.object({ user_id: userId }).strict();
export const userPasswordSchema = z.object({ user_id: userId, password }).strict();
