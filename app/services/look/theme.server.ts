import { LONG_LIVED_S, appCookie } from "#app/services/http/cookies.server";
import { type Theme, themeOr } from "#app/domain/theme";

// The look is a property of the browser, like its screen: a plain cookie,
// read by the root loader, so the first paint already has the chosen theme
// (signed-out pages too). Nothing secret is in it; an unknown value reads as
// "system".
const themeCookie = appCookie("mc_theme", { maxAge: LONG_LIVED_S });

export async function readTheme(request: Request): Promise<Theme> {
  return themeOr(await themeCookie.parse(request.headers.get("cookie")));
}

export async function themeSetCookie(theme: Theme, secure: boolean): Promise<string> {
  return themeCookie.serialize(theme, { secure });
}
