import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import { pickEncoding } from "./compression";

// Serves build/client: fingerprinted /assets/* are immutable, the rest
// (favicon) briefly cached. Paths are decoded once, resolved and contained.
// Text assets go out compressed (brotli at its best quality, else gzip),
// compressed once per file and kept in memory: the build is a few hundred KB.

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

const TEXT = new Set([".js", ".css", ".svg", ".map", ".txt", ".webmanifest"]);
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

export function createStaticHandler(root: string) {
  const base = path.resolve(root);
  const compressed = new Map<string, Promise<Buffer>>();
  const encoded = (file: string, encoding: "br" | "gzip", mtime: number): Promise<Buffer> => {
    const key = `${encoding}:${mtime}:${file}`;
    let hit = compressed.get(key);
    if (!hit) {
      hit = readFile(file).then((raw) =>
        encoding === "br"
          ? brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
          : gz(raw, { level: 9 }),
      );
      hit.catch(() => compressed.delete(key));
      compressed.set(key, hit);
    }
    return hit;
  };
  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const rawPath = (req.url ?? "/").split("?")[0]!;
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return false;
    }
    if (decoded.includes("\0") || decoded.endsWith("/")) return false;
    const file = path.resolve(base, "." + decoded);
    if (!file.startsWith(base + path.sep)) return false;
    const type = TYPES[path.extname(file)];
    if (!type) return false;
    let info;
    try {
      info = await stat(file);
    } catch {
      return false;
    }
    if (!info.isFile()) return false;
    const immutable = decoded.startsWith("/assets/");
    const encoding = TEXT.has(path.extname(file)) ? pickEncoding(req.headers["accept-encoding"]) : null;
    if (encoding) {
      const body = await encoded(file, encoding, info.mtimeMs).catch(() => null);
      if (body) {
        res.writeHead(200, {
          "Content-Type": type,
          "Content-Length": body.length,
          "Content-Encoding": encoding,
          Vary: "Accept-Encoding",
          "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "public, max-age=3600",
          "X-Content-Type-Options": "nosniff",
        });
        res.end(req.method === "HEAD" ? undefined : body);
        return true;
      }
    }
    res.writeHead(200, {
      "Content-Type": type,
      "Content-Length": info.size,
      "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "public, max-age=3600",
      "X-Content-Type-Options": "nosniff",
    });
    if (req.method === "HEAD") {
      res.end();
      return true;
    }
    await new Promise<void>((resolve) => {
      createReadStream(file)
        .on("error", () => res.destroy())
        .on("close", resolve)
        .pipe(res);
    });
    return true;
  };
}
