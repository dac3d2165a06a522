import { Form, useLocation, useRouteLoaderData } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { THEMES, THEME_LABELS, type Theme } from "#app/domain/theme";
import { Icon } from "./icon";

/** The look this page was drawn in (from the root loader; "system" when unknown). */
export function useTheme(): Theme {
  return useRouteLoaderData<{ theme: Theme }>("root")?.theme ?? "system";
}

/**
 * Three submit buttons in one small form: it works without JavaScript (the
 * server sets the cookie and sends the reader back to this page).
 */
export function ThemeSwitch({ id }: { id: string }) {
  const theme = useTheme();
  const location = useLocation();
  return (
    <Form method="post" action="/theme" className="theme-switch">
      <AuthenticityTokenInput />
      <input type="hidden" name="redirect_to" value={`${location.pathname}${location.search}`} />
      <span id={id} className="theme-switch-label">
        Theme
      </span>
      <span className="segmented" role="group" aria-labelledby={id}>
        {THEMES.map((t) => (
          <button key={t} type="submit" name="theme" value={t} className="segment" aria-pressed={t === theme}>
            <Icon name={t} size={14} />
            {THEME_LABELS[t]}
          </button>
        ))}
      </span>
    </Form>
  );
}
