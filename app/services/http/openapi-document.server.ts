import { createHash } from "node:crypto";
import { API_DOCS_CSS, renderApiDocsPage } from "#app/domain/api-docs-page";
import { type OpenApiDocument, buildOpenApiDocument } from "#app/domain/openapi";

// The OpenAPI document (decision 054), built once per process from the
// registries, and its readable page. Both are the same for every caller:
// no secrets, nothing per user.

let built: { version: string; doc: OpenApiDocument; json: string; html: string } | null = null;

/** The server URL is relative ("/"): it resolves against wherever the document was fetched from (a tunnel, a Tailscale name). */
function document(version: string) {
  if (built?.version !== version) {
    const doc = buildOpenApiDocument({ version, serverUrl: "/" });
    built = { version, doc, json: JSON.stringify(doc), html: renderApiDocsPage(doc) };
  }
  return built;
}

/** The page's policy: nothing but its own inline stylesheet (by hash); no script, no frames, no forms. */
const DOCS_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(API_DOCS_CSS).digest("base64")}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function openApiJsonResponse(version: string): Response {
  return new Response(document(version).json, {
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" },
  });
}

export function apiDocsResponse(version: string): Response {
  return new Response(document(version).html, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache", "Content-Security-Policy": DOCS_CSP },
  });
}
