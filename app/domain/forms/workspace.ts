import { z } from "zod";
import { COLUMN_LIMITS as L, INPUT_LIMITS, atMost } from "../field-limits";
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

const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * The workspace's allowed hosts, one a line (or comma-separated): names like
 * example.com, or *.example.com for its subdomains; no scheme, port or path.
 */
export const urlAllowlistSchema = z
  .object({
    hosts: z
      .string()
      .max(INPUT_LIMITS.allowedHosts * INPUT_LIMITS.hostName, `At most ${INPUT_LIMITS.allowedHosts} hosts`)
      .default("")
      .transform((v) => [
        ...new Set(
          v
            .split(/[\s,]+/)
            .map((h) => h.trim().toLowerCase())
            .filter(Boolean),
        ),
      ])
      .refine((hosts) => hosts.length <= INPUT_LIMITS.allowedHosts, `At most ${INPUT_LIMITS.allowedHosts} hosts`)
      .refine(
        (hosts) => hosts.every((h) => h.length <= 253 && HOST.test(h)),
        "Each host is a name like example.com or *.example.com, without https:// or a path",
      ),
  })
  .strict();
