// Registers the service worker (decision 048), with JavaScript only: the app
// works fully without it; it adds the installable app and Web Push. Loaded on
// every page beside React, like the command palette.

if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then(() => (document.documentElement.dataset.serviceWorker = "registered"))
    .catch(() => (document.documentElement.dataset.serviceWorker = "unavailable"));
}
