import { DEFAULT_NOTIFICATION_PATH } from "./push";
import { THEME_COLORS } from "./theme";

// The web app manifest (decision 048): what a phone or desktop needs to
// install Mission Control as an app of its own, opening on the board list in
// a window without the browser's bars. The colours are the dark theme's page
// background, the same as the icon's, so the splash screen and the bar match
// the app as it opens.

export interface ManifestIcon {
  src: string;
  sizes: string;
  type: "image/png";
  purpose: "any" | "maskable";
}

export const MANIFEST_ICONS: ManifestIcon[] = [
  { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
  { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
  { src: "/icons/icon-maskable-192.png", sizes: "192x192", type: "image/png", purpose: "maskable" },
  { src: "/icons/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
];

export function webManifest() {
  return {
    id: "/",
    name: "Mission Control",
    short_name: "Mission Ctl",
    description: "Tasks, agents and approvals of your OpenClaw gateway.",
    start_url: "/",
    scope: "/",
    display: "standalone",
    orientation: "any",
    theme_color: THEME_COLORS.dark,
    background_color: THEME_COLORS.dark,
    icons: MANIFEST_ICONS,
    shortcuts: [{ name: "Approvals", short_name: "Approvals", url: DEFAULT_NOTIFICATION_PATH, icons: [MANIFEST_ICONS[0]] }],
  };
}
