import { redirect } from "react-router";
import { requestContext } from "#app/context.server";
import { endSession } from "#app/services/auth/sessions.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import type { Route } from "./+types/logout";

export async function loader() {
  return redirect("/");
}

export async function action({ request, context }: Route.ActionArgs) {
  const { rt } = context.get(requestContext);
  return redirectWithToast(
    "/login",
    { kind: "info", message: "Signed out." },
    { headers: { "Set-Cookie": await endSession({ db: rt.db, settings: rt.env, secrets: rt.secrets, sessions: rt.sessions }, request) } },
  );
}
