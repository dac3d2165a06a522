import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { THEME_COLORS } from "./theme";
import { webManifest } from "./web-manifest";

/** A PNG's width and height from its IHDR chunk. */
function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe("the web app manifest", () => {
  const manifest = webManifest();

  it("installs as a standalone app named Mission Control that opens on the start page", () => {
    expect(manifest).toMatchObject({ name: "Mission Control", start_url: "/", scope: "/", display: "standalone", id: "/" });
    expect(manifest.short_name.length).toBeLessThanOrEqual(12);
  });

  it("has the dark theme's colours", () => {
    expect(manifest.theme_color).toBe(THEME_COLORS.dark);
    expect(manifest.background_color).toBe(THEME_COLORS.dark);
  });

  it("has 192 and 512 px icons, plain and maskable, each a PNG of its stated size in public/", () => {
    for (const purpose of ["any", "maskable"]) {
      expect(manifest.icons.filter((i) => i.purpose === purpose).map((i) => i.sizes)).toEqual(["192x192", "512x512"]);
    }
    for (const icon of manifest.icons) {
      const file = path.join("public", icon.src);
      expect(existsSync(file), icon.src).toBe(true);
      const [w, h] = pngSize(file);
      expect(`${w}x${h}`).toBe(icon.sizes);
    }
  });

  it("offers the approvals inbox as a shortcut", () => {
    expect(manifest.shortcuts.map((s) => s.url)).toEqual(["/approvals"]);
  });
});
