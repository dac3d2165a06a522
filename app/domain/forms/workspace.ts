import { z } from "zod";
import { COLUMN_LIMITS as L, atMost } from "../field-limits";
import { SLUG_PATTERN } from "../slug";

const name = z.string().trim().min(1, "Give the workspace a name").max(L.workspaces.name, atMost(L.workspaces.name));
const icon = z.string().trim().max(L.workspaces.icon, "One emoji, please").default("");

export const workspaceCreateSchema = z
  .object({
    name,
    icon,
    slug: z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => v === "" || SLUG_PATTERN.test(v), "Lowercase letters, digits and dashes")
      .default(""),
  })
  .strict();

export const workspaceUpdateSchema = z.object({ name, icon }).strict();
