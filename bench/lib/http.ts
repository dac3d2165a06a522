import { request } from "node:http";
import { gzipSync } from "node:zlib";

// Raw HTTP on loopback: the bytes on the wire (compressed as served), which
// fetch() would hide by decompressing.

export interface Fetched {
  status: number;
  ms: number;
  wireBytes: number;
  body: Buffer;
  encoding: string | null;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers: { "accept-encoding": "gzip, br", ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          ms: performance.now() - started,
          wireBytes: body.length,
          body,
          encoding: (res.headers["content-encoding"] as string | undefined) ?? null,
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

export function gzipSize(body: Buffer): number {
  return gzipSync(body, { level: 9 }).length;
}

export function cookieHeader(cookies: Map<string, string>): string {
  return [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
}
