import { data, redirect } from "react-router";
import { requestContext } from "#app/context.server";
import { parseForm } from "#app/domain/forms/parse";
import { safeRedirect } from "#app/domain/safe-redirect";
import { themeSchema } from "#app/domain/theme";
import { themeSetCookie } from "#app/services/look/theme.server";
import type { Route } from "./+types/theme";

// The theme switch posts here from the header menu and the settings page,
// then goes back to the page it came from (post/redirect/get).
export async function loader() {
  return redirect("/settings");
}

export async function action({ request, context }: Route.ActionArgs) {
  const { rt } = context.get(requestContext);
  const parsed = parseForm(await request.formData(), themeSchema);
  if (!parsed.ok) throw data({ message: parsed.errors.theme ?? "Choose System, Light or Dark." }, { status: 400 });
  return redirect(safeRedirect(parsed.data.redirect_to, "/settings"), {
    headers: { "Set-Cookie": await themeSetCookie(parsed.data.theme, rt.env.cookieSecure) },
  });
}
