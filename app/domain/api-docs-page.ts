import type { JsonSchema, OpenApiDocument, OpenApiOperation } from "./openapi";

// The OpenAPI document as one readable HTML page (/api/docs): operations
// grouped by tag, each with its method and path, scope, who may call it,
// summary, parameters, body fields and answers. Server-rendered from the
// same document /api/openapi.json serves; no script, no external assets
// (its one stylesheet is inline, allowed by its hash in the page's CSP).

const esc = (text: unknown): string => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Inline code spans (`x`) in the document's prose. */
const prose = (text: string): string => esc(text).replace(/`([^`]+)`/g, "<code>$1</code>");

export const API_DOCS_CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--panel:#f6f8fa;--get:#0969da;--post:#1a7f37;--patch:#9a6700;--delete:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--bg:#0d1117;--panel:#151b23;--get:#4493f8;--post:#3fb950;--patch:#d29922;--delete:#f85149}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.3rem;margin:2rem 0 .5rem;padding-top:.5rem;border-top:2px solid var(--line)}
h3{font-size:1rem;margin:0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
h4{font-size:.9rem;margin:.75rem 0 .25rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
p{margin:.25rem 0}
code{font:.9em ui-monospace,monospace;overflow-wrap:anywhere}
.path{font:600 .95rem ui-monospace,monospace;overflow-wrap:anywhere;min-width:0}
.muted{color:var(--muted)}
nav ul{padding-left:1.2rem;margin:.25rem 0}
.op{border:1px solid var(--line);border-radius:.5rem;padding:.75rem;margin:.75rem 0;background:var(--panel)}
.method{font:700 .8rem ui-monospace,monospace;padding:.1rem .4rem;border-radius:.25rem;color:var(--bg);background:var(--get)}
.method-post{background:var(--post)}.method-patch{background:var(--patch)}.method-delete{background:var(--delete)}
.badge{font-size:.8rem;border:1px solid var(--line);border-radius:1rem;padding:0 .5rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;vertical-align:top;padding:.25rem .5rem;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
@media (max-width:40rem){thead{display:none}table,tbody,tr,td{display:block}tr{border-bottom:1px solid var(--line);padding:.25rem 0}td{border:0;padding:0 .25rem}}
`;

type Schema = JsonSchema & {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  default?: unknown;
  description?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  pattern?: string;
  additionalProperties?: boolean | Schema;
  $ref?: string;
};

/** A schema's type in a few words: "string (uuid)", "one of a, b", "array of string". */
export function typeLabel(schema: Schema): string {
  if (schema.$ref) return schema.$ref.split("/").at(-1)!;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map(typeLabel).join(" or ");
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  if (type === "array" && schema.items) return `array of ${typeLabel(schema.items)}`;
  return schema.format ? `${type} (${schema.format})` : type;
}

function constraints(schema: Schema): string {
  const parts: string[] = [];
  if (schema.minLength !== undefined && schema.minLength > 0) parts.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} characters`);
  // z.number().int() bounds every integer by the safe range: no limit worth printing.
  if (schema.minimum !== undefined && schema.minimum > Number.MIN_SAFE_INTEGER) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${schema.maximum}`);
  if (schema.maxItems !== undefined) parts.push(`at most ${schema.maxItems} items`);
  if (schema.pattern && !schema.format) parts.push(`matches <code>${esc(schema.pattern)}</code>`);
  if (schema.default !== undefined) parts.push(`default <code>${esc(JSON.stringify(schema.default))}</code>`);
  if (schema.description) parts.push(prose(schema.description));
  return parts.join("; ");
}

/** An object schema's fields as table rows, nested objects' fields as dotted names (two levels). */
function fieldRows(schema: Schema, prefix = "", depth = 0): string[] {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && !schema.properties) {
    return alternatives.flatMap((alt, i) => [`<tr><td colspan="3"><em>${i === 0 ? "either" : "or"}</em></td></tr>`, ...fieldRows(alt, prefix, depth)]);
  }
  const rows: string[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const required = (schema.required ?? []).includes(name) && property.default === undefined;
    rows.push(
      `<tr><td><code>${esc(prefix + name)}</code>${required ? "" : ' <span class="muted">optional</span>'}</td><td>${esc(typeLabel(property))}</td><td>${constraints(property)}</td></tr>`,
    );
    if (depth >= 2) continue;
    if (property.properties) rows.push(...fieldRows(property, `${prefix}${name}.`, depth + 1));
    else if (property.items?.properties) rows.push(...fieldRows(property.items, `${prefix}${name}[].`, depth + 1));
  }
  return rows;
}

/** A body's fields; a request says whether other fields are refused, an answer whether more may come. */
function fieldTable(schema: Schema, side: "request" | "response"): string {
  const rows = fieldRows(schema);
  const closed = schema.additionalProperties === false;
  const open =
    side === "request"
      ? closed
        ? '<p class="muted">Any other field is refused (400).</p>'
        : ""
      : closed
        ? ""
        : '<p class="muted">More fields may be present.</p>';
  if (rows.length === 0) return `<p class="muted">${schema.type === "object" ? "An object." : esc(typeLabel(schema))}</p>`;
  return `<table><thead><tr><th>field</th><th>type</th><th>limits</th></tr></thead><tbody>${rows.join("")}</tbody></table>${open}`;
}

function authText(doc: OpenApiDocument, operation: OpenApiOperation): string {
  const names = operation.security.flatMap((requirement) => Object.keys(requirement));
  if (names.length === 0) return "No credential.";
  return names
    .map((name) => {
      const scheme = doc.components.securitySchemes[name]!;
      const how = scheme.type === "http" ? "Authorization: Bearer" : `${scheme.in} ${scheme.name}`;
      return `<code>${esc(how)}</code> — ${prose(scheme.description ?? name)}`;
    })
    .join("<br>or ");
}

const anchor = (method: string, path: string) => `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-").replace(/-$/, "");

function operationHtml(doc: OpenApiDocument, path: string, method: string, o: OpenApiOperation): string {
  const parts: string[] = [];
  parts.push(
    `<h3><span class="method method-${esc(method)}">${esc(method.toUpperCase())}</span><span class="path">${esc(path)}</span>${
      o["x-scope"] ? `<span class="badge">scope: ${esc(o["x-scope"])}</span>` : ""
    }</h3>`,
  );
  parts.push(`<p>${prose(o.summary)}</p>`);
  if (o.description) parts.push(`<p class="muted">${prose(o.description)}</p>`);
  parts.push(`<p class="muted">Auth: ${authText(doc, o)}</p>`);
  if (o.parameters && o.parameters.length > 0) {
    const rows = o.parameters.map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code> <span class="muted">${esc(p.in)}${p.required ? "" : ", optional"}</span></td><td>${esc(typeLabel(p.schema as Schema))}</td><td>${constraints({ ...(p.schema as Schema), description: p.description })}</td></tr>`,
    );
    parts.push(`<h4>Parameters</h4><table><thead><tr><th>name</th><th>type</th><th>limits</th></tr></thead><tbody>${rows.join("")}</tbody></table>`);
  }
  if (o.requestBody) {
    for (const [type, media] of Object.entries(o.requestBody.content)) {
      parts.push(`<h4>Body <code>${esc(type)}</code></h4>`);
      if (o.requestBody.description) parts.push(`<p class="muted">${prose(o.requestBody.description)}</p>`);
      parts.push(fieldTable(media.schema as Schema, "request"));
    }
  }
  parts.push("<h4>Responses</h4>");
  const refusals: string[] = [];
  for (const [status, response] of Object.entries(o.responses)) {
    if ("$ref" in response) {
      refusals.push(status);
      continue;
    }
    const [type, media] = Object.entries(response.content ?? {})[0] ?? [];
    parts.push(`<p><strong>${esc(status)}</strong> ${esc(response.description)}${type ? ` <code>${esc(type)}</code>` : ""}</p>`);
    if (type === "application/json" && media && (media.schema as Schema).properties) parts.push(fieldTable(media.schema as Schema, "response"));
  }
  if (refusals.length > 0)
    parts.push(`<p>Refusals (<a href="#errors">the error shape</a>): ${refusals.map((s) => `<strong>${esc(s)}</strong>`).join(", ")}</p>`);
  return `<section class="op" id="${anchor(method, path)}" aria-label="${esc(method.toUpperCase())} ${esc(path)}">${parts.join("\n")}</section>`;
}

/** Every operation of the document under its first tag, in the document's tag order. */
function byTag(doc: OpenApiDocument): Map<string, Array<[string, string, OpenApiOperation]>> {
  const groups = new Map<string, Array<[string, string, OpenApiOperation]>>(doc.tags.map((t) => [t.name, []]));
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, o] of Object.entries(ops)) {
      const tag = o.tags[0] ?? "Other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push([path, method, o]);
    }
  }
  return groups;
}

/** The whole page. */
export function renderApiDocsPage(doc: OpenApiDocument): string {
  const groups = byTag(doc);
  const tagText = new Map(doc.tags.map((t) => [t.name, t.description]));
  const nav = [...groups]
    .filter(([, ops]) => ops.length > 0)
    .map(([tag, ops]) => `<li><a href="#${anchor("tag", tag)}">${esc(tag)}</a> <span class="muted">(${ops.length})</span></li>`)
    .join("");
  const sections = [...groups]
    .filter(([, ops]) => ops.length > 0)
    .map(
      ([tag, ops]) =>
        `<h2 id="${anchor("tag", tag)}">${esc(tag)}</h2><p class="muted">${prose(tagText.get(tag) ?? "")}</p>${ops.map(([path, method, o]) => operationHtml(doc, path, method, o)).join("\n")}`,
    )
    .join("\n");
  const errorCodes = Object.entries(doc.components.responses)
    .map(([name, r]) => `<li><strong>${esc(name.slice(1))}</strong> ${esc(r.description)}</li>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} — reference</title>
<style>${API_DOCS_CSS}</style>
</head>
<body>
<main>
<h1>${esc(doc.info.title)}</h1>
<p>${prose(doc.info.description)}</p>
<p class="muted">Version ${esc(doc.info.version)} · OpenAPI ${esc(doc.openapi)} · <a href="/api/openapi.json">openapi.json</a> · <a href="/settings#api-keys">API keys</a></p>
<nav aria-label="API sections"><ul>${nav}<li><a href="#errors">Errors</a></li></ul></nav>
${sections}
<h2 id="errors">Errors</h2>
<p>Every refusal is JSON of one shape, with its status:</p>
<pre><code>{"error": {"code": "invalid", "message": "…", "details": {…}}}</code></pre>
${fieldTable(doc.components.schemas.Error as Schema, "response")}
<ul>${errorCodes}</ul>
</main>
</body>
</html>
`;
}
