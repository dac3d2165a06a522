import { z } from "zod";
import { ROLES } from "../roles";

const email = z.string().trim().toLowerCase().pipe(z.email({ error: "Enter a valid email address" }).max(254));
const password = z.string().min(12, "Use at least 12 characters").max(200, "At most 200 characters");
const role = z.enum(ROLES, { error: "Choose a role" });
const userId = z.uuid({ error: "Unknown user" });

export const userCreateSchema = z
  .object({ name: z.string().trim().min(1, "A name is required").max(80, "At most 80 characters"), email, role, password })
  .strict();
export const userRoleSchema = z.object({ user_id: userId, role }).strict();
export const userIdSchema = z.object({ user_id: userId }).strict();
export const userPasswordSchema = z.object({ user_id: userId, password }).strict();
