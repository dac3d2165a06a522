import { z } from "zod";

/** The looks a person can choose: follow the device, or always light or dark. */
export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_LABELS: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };

/** The form that changes it: the choice, and the page to go back to. */
export const themeSchema = z.strictObject({
  theme: z.enum(THEMES, { error: "Choose System, Light or Dark" }),
  redirect_to: z.string().max(2000).optional(),
});

/** A stored value read back: anything unknown is the default, following the device. */
export function themeOr(value: unknown): Theme {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value) ? (value as Theme) : "system";
}

/** The browser bar's colour per look, matching each theme's page background. */
export const THEME_COLORS = { light: "#f7f8fa", dark: "#0b1018" } as const;

/**
 * What the document head says for a choice: the colour schemes the page
 * supports (form controls and scroll bars follow it) and the bar colours,
 * one per system preference when the device decides.
 */
export function themeHead(theme: Theme): { colorScheme: string; themeColors: Array<{ color: string; media?: string }> } {
  if (theme === "system") {
    return {
      colorScheme: "dark light",
      themeColors: [
        { color: THEME_COLORS.light, media: "(prefers-color-scheme: light)" },
        { color: THEME_COLORS.dark, media: "(prefers-color-scheme: dark)" },
      ],
    };
  }
  return { colorScheme: theme, themeColors: [{ color: THEME_COLORS[theme] }] };
}
