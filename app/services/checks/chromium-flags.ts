/**
 * Flags for Debian's Chromium on a server: no sandbox (root in a container),
 * no GPU, no background traffic to Google's hosts (the network is closed).
 * The testing stage and the end-to-end tests launch it the same way.
 */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
