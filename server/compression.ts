import type { IncomingMessage, ServerResponse } from "node:http";
import { type BrotliCompress, type Gzip, constants, createBrotliCompress, createGzip } from "node:zlib";

// Compresses what React Router sends (HTML documents, JSON) when the client
// accepts it: brotli at a fast quality, else gzip. A board document shrinks
// about tenfold. Event streams, already-encoded and empty responses pass
// through untouched. Chunks written in one tick are flushed together, so a
// streamed document still reaches the browser as it renders.

const COMPRESSIBLE = /^(text\/(html|plain|css|javascript)|application\/(json|javascript|manifest\+json|xml))\b/;
const MIN_BYTES = 1024;

export function pickEncoding(acceptEncoding: string | string[] | undefined): "br" | "gzip" | null {
  const accept = Array.isArray(acceptEncoding) ? acceptEncoding.join(",") : (acceptEncoding ?? "");
  if (/\bbr\b/.test(accept)) return "br";
  if (/\bgzip\b/.test(accept)) return "gzip";
  return null;
}

export function createCompressor(encoding: "br" | "gzip"): BrotliCompress | Gzip {
  return encoding === "br" ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }) : createGzip({ level: 6 });
}

type Chunk = string | Uint8Array;

/** Wraps `res` so the body is compressed if the response turns out to be compressible. */
export function compressResponse(req: IncomingMessage, res: ServerResponse): void {
  const encoding = pickEncoding(req.headers["accept-encoding"]);
  if (!encoding || req.method === "HEAD") return;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (chunk: Chunk) => boolean;
  const end = res.end.bind(res) as (chunk?: Chunk) => ServerResponse;
  let zip: BrotliCompress | Gzip | null | undefined;
  let flushPending = false;

  const decide = (): BrotliCompress | Gzip | null => {
    if (zip !== undefined) return zip;
    const type = String(res.getHeader("content-type") ?? "");
    const length = Number(res.getHeader("content-length") ?? Number.NaN);
    const skip =
      !COMPRESSIBLE.test(type) ||
      res.hasHeader("content-encoding") ||
      res.statusCode < 200 ||
      res.statusCode === 204 ||
      res.statusCode === 304 ||
      length < MIN_BYTES;
    res.appendHeader("Vary", "Accept-Encoding");
    if (skip) return (zip = null);
    res.removeHeader("content-length");
    res.setHeader("Content-Encoding", encoding);
    zip = createCompressor(encoding);
    zip.on("data", (chunk: Buffer) => write(chunk));
    zip.on("end", () => end());
    zip.on("error", () => res.destroy());
    return zip;
  };

  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = rest.find((r) => typeof r === "object" && r !== null) as Record<string, string | string[]> | undefined;
    const reason = rest.find((r) => typeof r === "string") as string | undefined;
    res.statusCode = status;
    if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    decide();
    return reason === undefined ? writeHead(status) : writeHead(status, reason);
  }) as typeof res.writeHead;

  res.write = ((chunk: Chunk, ...rest: unknown[]) => {
    const z = decide();
    if (!z) return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    z.write(chunk);
    if (!flushPending) {
      flushPending = true;
      setImmediate(() => {
        flushPending = false;
        if (!z.writableEnded) z.flush();
      });
    }
    return true;
  }) as typeof res.write;

  res.end = ((chunk?: Chunk | (() => void), ...rest: unknown[]) => {
    const z = decide();
    if (!z) return (end as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
    if (typeof chunk === "function") chunk = undefined;
    if (chunk !== undefined && chunk !== null) z.end(chunk);
    else z.end();
    return res;
  }) as typeof res.end;
}
