import { requestContext } from "#app/context.server";
import { applyGithubIssueEvent, githubIntegrationForRepository } from "#app/db/github.server";
import { AppError } from "#app/domain/errors";
import { githubIssuesEventSchema, githubRepositorySchema } from "#app/domain/forms/github";
import { GITHUB_EVENT_WINDOW_S, GITHUB_WEBHOOK_MAX_BYTES, isIssueAction, issueTaskFields, parseGithubDelivery } from "#app/domain/github";
import { verifyGithubSignature } from "#app/services/integrations/github-signature.server";
import { apiHandler, postOnlyLoader, withAuthBudget } from "#app/services/http/json-api.server";
import { parseJsonBytes, readBodyBytes, requireJson } from "#app/services/http/json-body.server";
import type { Route } from "./+types/github";

// POST /api/webhooks/github — GitHub issues become tasks (decision 053).
// Headers (400), content type (415), size (413), JSON (400), the repository
// (404 unless a workspace takes its issues) and the signature with that
// repository's secret (401) are checked before anything is written. `ping`
// answers 200; `issues` opened/edited/labeled/unlabeled/closed/reopened
// create or update the linked task in one SQL call, which answers a repeated
// X-GitHub-Delivery with {"duplicate":true} and an issue state no newer than
// the one applied with outcome "stale", writing nothing; other events and
// actions are acknowledged and ignored.
export async function action({ request, context }: Route.ActionArgs) {
  const { rt, log, clientIp } = context.get(requestContext);
  return apiHandler(log, async () => {
    if (request.method !== "POST") throw new AppError("method_not_allowed", "Use POST.");
    await rt.limits.consume("write", clientIp);
    const event = request.headers.get("x-github-event")?.trim() ?? "";
    if (!/^[a-z_]{1,64}$/.test(event)) throw new AppError("invalid", "X-GitHub-Event is required (GitHub sends it with every delivery).");
    const delivery = parseGithubDelivery(request.headers.get("x-github-delivery"));
    if (!delivery.ok) throw new AppError("invalid", delivery.reason);
    requireJson(request);
    const bytes = await readBodyBytes(request, GITHUB_WEBHOOK_MAX_BYTES);
    // The repository names the secret that verifies the body, so it is read first.
    const { repository } = parseJsonBytes(bytes, githubRepositorySchema);
    const target = await withAuthBudget(rt, clientIp, async () => {
      const found = await githubIntegrationForRepository(rt.db, repository.full_name);
      if (found) verifyGithubSignature(request.headers, bytes, found.webhook_secret);
      return found;
    });
    if (!target) {
      await rt.limits.consume("auth_failure", clientIp);
      throw new AppError("not_found", `No workspace takes issues from ${repository.full_name}: connect it in a workspace's settings.`);
    }
    if (event === "ping") {
      log.info({ event: "github.ping", delivery_id: delivery.id, repository: target.repository, workspace_id: target.workspace_id }, "GitHub webhook ping");
      return Response.json({ ok: true, event: "ping", repository: target.repository });
    }
    if (event !== "issues") return Response.json({ ignored: true, event });
    const body = parseJsonBytes(bytes, githubIssuesEventSchema);
    if (!isIssueAction(body.action)) return Response.json({ ignored: true, event, action: body.action });
    const result = await applyGithubIssueEvent(rt.db, {
      workspaceId: target.workspace_id,
      deliveryId: delivery.id,
      action: body.action,
      issue: issueTaskFields(target.repository, body.issue, target.label_types),
      windowS: GITHUB_EVENT_WINDOW_S,
    });
    if ("duplicate" in result) return Response.json({ duplicate: true }, { status: 200 });
    log.info(
      {
        event: "github.issue",
        delivery_id: delivery.id,
        action: body.action,
        issue_number: body.issue.number,
        task_id: result.task_id,
        outcome: result.outcome,
      },
      "GitHub issue event applied",
    );
    return Response.json({ event, action: body.action, ...result }, { status: result.outcome === "created" ? 201 : 200 });
  });
}

// The methods the server entry lets through (405 with Allow for the rest).
export const handle = { methods: ["POST"] };

export const loader = postOnlyLoader;
