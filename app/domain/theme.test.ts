import { describe, expect, it } from "vitest";
import { parseForm } from "./forms/parse";
import { themeHead, themeOr, themeSchema } from "./theme";

function form(entries: Record<string, string>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(entries)) data.append(k, v);
  return data;
}

describe("theme", () => {
  it("reads back only known choices, following the device otherwise", () => {
    expect(themeOr("light")).toBe("light");
    expect(themeOr("dark")).toBe("dark");
    expect(themeOr("system")).toBe("system");
    expect(themeOr("neon")).toBe("system");
    expect(themeOr(undefined)).toBe("system");
    expect(themeOr(3)).toBe("system");
  });

  it("accepts the three choices and refuses anything else in words", () => {
    expect(parseForm(form({ theme: "dark", redirect_to: "/w/ops" }), themeSchema)).toEqual({ ok: true, data: { theme: "dark", redirect_to: "/w/ops" } });
    const bad = parseForm(form({ theme: "neon" }), themeSchema);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.theme).toBe("Choose System, Light or Dark");
    const extra = parseForm(form({ theme: "dark", colour: "red" }), themeSchema);
    expect(extra.ok).toBe(false);
  });

  it("gives the head one bar colour per preference when the device decides", () => {
    expect(themeHead("system")).toEqual({
      colorScheme: "dark light",
      themeColors: [
        { color: "#f7f8fa", media: "(prefers-color-scheme: light)" },
        { color: "#0b1018", media: "(prefers-color-scheme: dark)" },
      ],
    });
    expect(themeHead("light")).toEqual({ colorScheme: "light", themeColors: [{ color: "#f7f8fa" }] });
    expect(themeHead("dark").colorScheme).toBe("dark");
  });
});
