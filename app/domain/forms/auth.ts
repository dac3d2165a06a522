import { z } from "zod";

const email = z.string().trim().toLowerCase().pipe(z.email({ error: "Enter a valid email address" }).max(254));

export const loginSchema = z
  .object({
    email,
    password: z.string().min(1, "Enter your password").max(200, "At most 200 characters"),
    redirectTo: z.string().max(500).default("/"),
  })
  .strict();

export const setupSchema = z
  .object({
    token: z.string().min(1).max(200),
    name: z.string().trim().min(1, "Your name is required").max(80, "At most 80 characters"),
    email,
    password: z.string().min(12, "Use at least 12 characters").max(200, "At most 200 characters"),
    confirm: z.string(),
  })
  .strict()
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The passwords do not match" });
