import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

// Serves build/client: fingerprinted /assets/* are immutable, the rest
// (favicon) briefly cached. Paths are decoded once, resolved and contained.

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

export function createStaticHandler(root: string) {
  const base = path.resolve(root);
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
      createReadStream(file).on("error", () => res.destroy()).on("close", resolve).pipe(res);
    });
    return true;
  };
}
