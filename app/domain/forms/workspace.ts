import { z } from "zod";
import { SLUG_PATTERN } from "../slug";

const name = z.string().trim().min(1, "Give the workspace a name").max(80, "At most 80 characters");
const icon = z.string().trim().max(8, "One emoji, please").default("");

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
