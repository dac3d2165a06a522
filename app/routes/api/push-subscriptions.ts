import { requestContext } from "#app/context.server";
import { AppError } from "#app/domain/errors";
import { apiHandler } from "#app/services/http/json-api.server";
import type { Route } from "./+types/push-subscriptions";
import { subscribe, unsubscribe } from "./push-subscriptions.server";

// This browser's Web Push subscription (decision 048): POST saves it, DELETE removes it.
export const handle = { methods: ["POST", "DELETE"] };

export async function action({ request, context }: Route.ActionArgs) {
  const { log } = context.get(requestContext);
  return apiHandler(log, async () => {
    if (request.method === "POST") return subscribe(context, request);
    if (request.method === "DELETE") return unsubscribe(context, request);
    throw new AppError("method_not_allowed", "Use POST to save this device or DELETE to remove it.");
  });
}
