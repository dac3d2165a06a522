import { openApiJsonResponse } from "#app/services/http/openapi-document.server";
import type { Route } from "./+types/openapi";

// GET /api/openapi.json — the OpenAPI 3.1 document of every /api address
// (decision 054), generated from the registries and the zod schemas the
// routes validate with. No credential: it holds no secret.
export function loader(_args: Route.LoaderArgs) {
  return openApiJsonResponse(__APP_VERSION__);
}
