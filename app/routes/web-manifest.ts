import { webManifest } from "#app/domain/web-manifest";

// GET /manifest.webmanifest: the installable app's manifest (decision 048).
// Browsers fetch it without cookies, so it needs no session and says nothing
// about any user.
export function loader() {
  return new Response(JSON.stringify(webManifest()), {
    headers: { "Content-Type": "application/manifest+json; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}
