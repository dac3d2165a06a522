/**
 * Flags for Debian's Chromium on a server: no GPU, no background traffic to
 * Google's hosts (the network is closed). The sandbox is not decided here: the
 * testing stage turns Chromium's own sandbox on whenever this host allows it
 * (chromium-sandbox.server.ts), while the end-to-end browser, which Playwright
 * starts as root in a container, cannot have it.
 */
export const HEADLESS_SERVER_FLAGS = [
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** The end-to-end tests' browser: trusted pages (our own app), started as root, so without a sandbox. */
export const E2E_CHROMIUM_FLAGS = ["--no-sandbox", ...HEADLESS_SERVER_FLAGS];
