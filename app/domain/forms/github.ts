import { z } from "zod";
import { COLUMN_LIMITS as L, INPUT_LIMITS, atMost } from "../field-limits";
import { REPOSITORY_PATTERN, TASK_TYPE_KEY_PATTERN } from "../github";
import { normaliseLabel } from "../labels";

// The workspace settings' GitHub form, and the parts of GitHub's issues
// payload the webhook reads (decision 053).

const checkbox = z
  .enum(["on"])
  .optional()
  .transform((v) => v === "on");

/** "label = task type key", one a line; blank lines skipped; a label once. */
const labelTypes = z
  .string()
  .max(INPUT_LIMITS.labelTypesField, atMost(INPUT_LIMITS.labelTypesField))
  .default("")
  .transform((text, ctx) => {
    const map: Record<string, string> = {};
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === "") continue;
      const at = line.lastIndexOf("=");
      const label = at > 0 ? normaliseLabel(line.slice(0, at)) : "";
      const type = at > 0 ? line.slice(at + 1).trim() : "";
      if (label === "" || !TASK_TYPE_KEY_PATTERN.test(type)) {
        ctx.addIssue({ code: "custom", message: `Write each line as label = task type key: "${line.slice(0, 60)}"` });
        return z.NEVER;
      }
      if (label in map) {
        ctx.addIssue({ code: "custom", message: `The label "${label.slice(0, 60)}" is named twice` });
        return z.NEVER;
      }
      map[label] = type;
    }
    if (Object.keys(map).length > INPUT_LIMITS.labelTypes) {
      ctx.addIssue({ code: "custom", message: `At most ${INPUT_LIMITS.labelTypes} labels` });
      return z.NEVER;
    }
    return map;
  });

export const githubSettingsSchema = z
  .object({
    repository: z
      .string()
      .trim()
      .min(1, "Give the repository as owner/repo")
      .max(L.github_integrations.repository, atMost(L.github_integrations.repository))
      .regex(REPOSITORY_PATTERN, "Give the repository as owner/repo, e.g. acme/widgets"),
    label_types: labelTypes,
    /** Left empty: keep the stored secret (or, on a new connection, generate one). */
    webhook_secret: z
      .string()
      .trim()
      .max(L.github_integrations.webhook_secret, atMost(L.github_integrations.webhook_secret))
      .refine((v) => v === "" || v.length >= 16, "A webhook secret is at least 16 characters")
      .default(""),
    generate_secret: checkbox,
    /** Left empty: keep the stored token. */
    token: z.string().trim().max(L.github_integrations.token, atMost(L.github_integrations.token)).default(""),
    clear_token: checkbox,
  })
  .strict()
  .refine((v) => !(v.generate_secret && v.webhook_secret !== ""), {
    path: ["webhook_secret"],
    message: "Enter a secret or have one generated, not both",
  })
  .refine((v) => !(v.clear_token && v.token !== ""), { path: ["token"], message: "Enter a token or remove it, not both" });

export type GithubSettingsInput = z.output<typeof githubSettingsSchema>;

// GitHub's payload carries far more than this; the webhook reads these
// fields and lets the rest through unread (not .strict(): the sender is
// GitHub, whose payload grows without notice).
const issueSchema = z.object({
  number: z.number().int().positive(),
  title: z.string().max(INPUT_LIMITS.githubIssueTitle),
  body: z.string().max(INPUT_LIMITS.githubIssueBody).nullable().default(null),
  state: z.enum(["open", "closed"]),
  html_url: z.string().max(INPUT_LIMITS.taskReference).default(""),
  updated_at: z.iso.datetime({ offset: true }),
  labels: z
    .array(z.object({ name: z.string().max(INPUT_LIMITS.githubLabel) }))
    .max(INPUT_LIMITS.githubLabels)
    .default([]),
});

/** Which repository a delivery is from: read before the signature, to find the secret that verifies it. */
export const githubRepositorySchema = z.object({
  repository: z.object({ full_name: z.string().max(L.github_integrations.repository).regex(REPOSITORY_PATTERN) }),
});

export const githubIssuesEventSchema = z.object({
  action: z.string().max(INPUT_LIMITS.metadataKey),
  issue: issueSchema,
  repository: z.object({ full_name: z.string() }),
});
