// The service worker is built like the page scripts, into a hashed file under
// /assets (Vite's ?worker&url gives its address; the build moves the file
// from the server build to the client's assets). A worker's scope is the folder of the script it
// is registered with, so this small script at the site root loads that file:
// the worker then covers every page of the app.
import serviceWorker from "#app/islands/service-worker.ts?worker&url";

/** A worker's own policy: it runs only our scripts and talks only to us. */
export const SERVICE_WORKER_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// GET /sw.js (decision 048). Never cached: a new release's worker is picked up at the next visit.
export function loader() {
  return new Response(`importScripts(${JSON.stringify(serviceWorker)});\n`, {
    headers: {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "no-cache",
      "Content-Security-Policy": SERVICE_WORKER_CSP,
      "Service-Worker-Allowed": "/",
    },
  });
}
