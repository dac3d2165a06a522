import { operatorApiHandlers } from "#app/services/operator-api/handlers.server";
import { operatorApi } from "#app/services/operator-api/dispatch.server";
import type { Route } from "./+types/v1";

// /api/v1/* — the operator API (decision 050): a user's API key as
// `Authorization: Bearer mck_…`, JSON in and out. Every operation, its scope
// and its schemas are declared in app/domain/operator-api.ts; this route only
// dispatches through that registry.
function bind(args: Route.LoaderArgs | Route.ActionArgs) {
  return operatorApi(args, operatorApiHandlers);
}

export const loader = bind;
export const action = bind;
// The methods the server entry lets through; the registry answers 405 with Allow per path.
export const handle = { methods: ["GET", "POST", "PATCH", "DELETE"] };
