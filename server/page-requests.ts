// What every page request (anything outside /api/) passes before React
// Router sees it:
// - a state-changing one must come from our own origin: an `Origin` other
//   than PUBLIC_URL's or the request's own (another port of the same host
//   included), `Origin: null`, or a browser's `Sec-Fetch-Site` saying
//   cross-site is a 403. Clients that send neither (curl, scripts) are not
//   browsers and still need the CSRF token of a session they hold;
// - its body is capped while it streams, before anything parses it: a
//   declared Content-Length over the cap is a 413 at once, a chunked body is
//   cut off with a 413 as soon as the bytes read pass the cap, and the
//   request React Router holds is aborted so nothing downstream keeps going.
// API routes authenticate with tokens and cap their own bodies (JSON,
// uploads up to UPLOAD_MAX_BYTES).

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** Forms are small; the one page that takes a file is a task's (its attach form), capped by bodyCapFor. */
export const PAGE_BODY_MAX_BYTES = 1024 * 1024;

const TASK_PAGE = /^\/w\/[^/]+\/tasks\/[0-9a-f-]{36}(?:\.data)?\/?$/i;

/**
 * The body cap of a page request: a multipart post to a task page (the attach
 * form) may carry one upload of `uploadMaxBytes` and the form's few fields;
 * the upload itself is then held to `uploadMaxBytes` as it streams to disk.
 */
export function bodyCapFor(request: Request, uploadMaxBytes: number): number {
  if (SAFE.has(request.method.toUpperCase())) return PAGE_BODY_MAX_BYTES;
  const multipart = (request.headers.get("content-type") ?? "").toLowerCase().startsWith("multipart/form-data");
  if (multipart && TASK_PAGE.test(new URL(request.url).pathname)) return Math.max(PAGE_BODY_MAX_BYTES, uploadMaxBytes + 64 * 1024);
  return PAGE_BODY_MAX_BYTES;
}

export function isPageRequest(url: URL): boolean {
  // Route matching ignores case, so must this.
  return !url.pathname.toLowerCase().startsWith("/api/");
}

function textResponse(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function fromOwnOrigin(request: Request, allowed: Set<string>): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null) {
    const parsed = URL.parse(origin.trim());
    return parsed !== null && parsed.origin !== "null" && allowed.has(parsed.origin);
  }
  const site = request.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

class PayloadTooLarge extends Error {}

function tooLarge(max: number): Response {
  return textResponse(413, `The form is larger than ${Math.round(max / 1024)} KiB.`);
}

/**
 * Runs `handle` for a page request that passes the origin check and the body
 * cap, or answers 403 / 413 itself.
 */
export async function guardPageRequest(
  request: Request,
  options: { publicOrigin: string; maxBytes: number },
  handle: (request: Request) => Promise<Response>,
): Promise<Response> {
  const url = new URL(request.url);
  if (!SAFE.has(request.method.toUpperCase()) && !fromOwnOrigin(request, new Set([options.publicOrigin, url.origin]))) {
    return textResponse(403, "This request came from another site.");
  }
  if (!request.body) return handle(request);
  const max = options.maxBytes;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > max) return tooLarge(max);

  const cutOff = new AbortController();
  let tripped!: () => void;
  const over = new Promise<Response>((resolve) => (tripped = () => resolve(tooLarge(max))));
  let seen = 0;
  const counted = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen <= max) return controller.enqueue(chunk);
        const error = new PayloadTooLarge(`body over ${max} bytes`);
        tripped();
        cutOff.abort(error);
        controller.error(error);
      },
    }),
  );
  const capped = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: counted,
    duplex: "half",
    signal: AbortSignal.any([request.signal, cutOff.signal]),
  } as RequestInit);
  return Promise.race([handle(capped), over]);
}
