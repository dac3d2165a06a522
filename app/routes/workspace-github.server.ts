import { randomBytes } from "node:crypto";
import { data } from "react-router";
import { deleteGithubIntegration, saveGithubIntegration } from "#app/db/github.server";
import type { Database } from "#app/db/types";
import { AppError } from "#app/domain/errors";
import { githubSettingsSchema } from "#app/domain/forms/github";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import type { Logger } from "#app/services/observability/logger.server";

// The workspace settings' GitHub forms (decision 053). Saving answers a
// redirect, except when a webhook secret was just generated: that answer
// carries it, once, for the admin to copy into GitHub (like a new agent's
// token). A refusal answers 4xx with the field's message, writes nothing,
// and never sends the secret or the token back into the form.

export const GITHUB_INTENTS = ["github", "github-disconnect"] as const;

const SECRET_FIELDS = new Set(["webhook_secret", "token"]);

function safeValues(form: FormData): Record<string, string> {
  return Object.fromEntries(Object.entries(submittedValues(form)).filter(([key]) => !SECRET_FIELDS.has(key)));
}

function safeErrorValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => !SECRET_FIELDS.has(key)));
}

/** A new webhook secret: 32 random bytes, as GitHub's own suggestion would be. */
export function newWebhookSecret(): string {
  return randomBytes(32).toString("hex");
}

export async function githubSettingsAction(
  db: Database,
  log: Logger,
  input: { workspaceId: string; userId: string; form: FormData; intent: string; path: string; connected: boolean },
) {
  const { form, intent } = input;
  try {
    if (intent === "github-disconnect") {
      const result = await deleteGithubIntegration(db, input.workspaceId, input.userId);
      log.info(
        { event: "github.disconnected", workspace_id: input.workspaceId, dropped_comments: result.dropped_comments },
        "workspace disconnected from GitHub",
      );
      return redirectWithToast(`${input.path}#github`, { kind: "success", message: "Disconnected from GitHub: its deliveries are refused from now on." });
    }
    const parsed = parseForm(form, githubSettingsSchema);
    if (!parsed.ok) return invalidForm(parsed.errors, safeErrorValues(parsed.values), intent);
    const generated = parsed.data.generate_secret || (!input.connected && parsed.data.webhook_secret === "") ? newWebhookSecret() : null;
    const saved = await saveGithubIntegration(db, input.workspaceId, input.userId, {
      repository: parsed.data.repository,
      label_types: parsed.data.label_types,
      webhook_secret: generated ?? (parsed.data.webhook_secret || null),
      token: parsed.data.token || null,
      clear_token: parsed.data.clear_token,
    });
    log.info({ event: "github.connected", workspace_id: input.workspaceId, repository: saved.repository, has_token: saved.has_token }, "GitHub settings saved");
    if (generated) {
      // In this one answer only: the page shows it once.
      return data({ ok: true as const, intent, secret: generated, repository: saved.repository }, { headers: { "Cache-Control": "no-store" } });
    }
    return redirectWithToast(`${input.path}?saved=github#github`, { kind: "success", message: `GitHub settings for ${saved.repository} saved.` });
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, safeValues(form), intent);
    throw error;
  }
}
