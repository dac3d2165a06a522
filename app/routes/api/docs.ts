import { apiDocsResponse } from "#app/services/http/openapi-document.server";
import type { Route } from "./+types/docs";

// GET /api/docs — the OpenAPI document as a readable page (decision 054):
// server-rendered HTML, no script, no external assets.
export function loader(_args: Route.LoaderArgs) {
  return apiDocsResponse(__APP_VERSION__);
}
