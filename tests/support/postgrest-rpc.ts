import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";

// A loopback stand-in for the part of Supabase's API the HTTP transport uses:
// PostgREST's RPC contract (`POST /rest/v1/rpc/<fn>` with a JSON object of
// named arguments, or `GET` with query parameters), behind the `apikey` +
// `Authorization: Bearer` check. It runs the function on a real PostgreSQL
// database and answers as PostgREST does: 200 with the result as JSON (a
// jsonb result is the JSON value itself, SQL null is `null`), 204 for void,
// and errors as `{ code, message, details, hint }` with PostgREST's statuses.
//
// Limits (it is not PostgREST): the public schema only; no JWT roles (every
// call runs as the connecting user, with no `set role`, so grants and RLS are
// not exercised); overloads are resolved by argument names only; no set-
// returning functions, array-typed parameters, single unnamed json parameter,
// Prefer headers, count, or table endpoints; the function list is cached per
// server (like PostgREST's schema cache, but never reloaded).

export interface PostgrestRpcServer {
  /** The project URL to give supabase-js (`createClient(url, key)`). */
  url: string;
  key: string;
  /** Function names called, in order (to prove a request went over HTTP). */
  calls: string[];
  close(): Promise<void>;
}

type Fn = { argNames: string[]; argTypes: string[]; required: number; returns: string; retset: boolean };
type PgError = { code?: string; message?: string; detail?: string; hint?: string };

export async function startPostgrestRpc(options: { databaseUrl: string; key: string }): Promise<PostgrestRpcServer> {
  const sql = postgres(options.databaseUrl, { max: 4, onnotice: () => {}, connection: { application_name: "postgrest-stand-in" } });
  const cache = new Map<string, Fn[]>();
  const calls: string[] = [];

  async function overloads(name: string): Promise<Fn[]> {
    let found = cache.get(name);
    if (!found) {
      const rows = await sql<Array<{ names: string[] | null; types: string[]; nargs: number; ndefaults: number; returns: string; retset: boolean }>>`
        select p.proargnames as names,
               array(select format_type(t, null) from unnest(p.proargtypes::oid[]) t) as types,
               p.pronargs as nargs, p.pronargdefaults as ndefaults,
               format_type(p.prorettype, null) as returns, p.proretset as retset
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' and p.proname = ${name} and p.prokind = 'f'`;
      found = rows.map((r) => ({
        argNames: (r.names ?? []).slice(0, r.nargs),
        argTypes: r.types,
        required: r.nargs - r.ndefaults,
        returns: r.returns,
        retset: r.retset,
      }));
      cache.set(name, found);
    }
    return found;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const match = /^\/rest\/v1\/rpc\/([a-z_][a-z0-9_]*)$/.exec(url.pathname);
    if (req.headers.apikey !== options.key || req.headers.authorization !== `Bearer ${options.key}`) {
      return send(res, 401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
    }
    if (!match) return send(res, 404, { code: "PGRST125", message: `Invalid path specified in request URL`, details: null, hint: null });
    const profile = req.headers["content-profile"] ?? req.headers["accept-profile"];
    if (profile && profile !== "public") {
      return send(res, 406, { code: "PGRST106", message: "The schema must be one of the following: public", details: null, hint: null });
    }
    let args: Record<string, unknown>;
    if (req.method === "POST") {
      const text = await readBody(req);
      try {
        args = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return send(res, 400, { code: "PGRST102", message: "Empty or invalid json", details: null, hint: null });
      }
      if (!args || typeof args !== "object" || Array.isArray(args)) {
        return send(res, 400, { code: "PGRST102", message: "Expected a JSON object of named arguments", details: null, hint: null });
      }
    } else if (req.method === "GET") {
      args = Object.fromEntries(url.searchParams);
    } else {
      return send(res, 405, { code: "PGRST117", message: `Unsupported HTTP method: ${req.method}`, details: null, hint: null });
    }

    const name = match[1]!;
    calls.push(name);
    const keys = Object.keys(args);
    const fn = (await overloads(name)).find((f) => keys.every((k) => f.argNames.includes(k)) && f.argNames.slice(0, f.required).every((k) => keys.includes(k)));
    if (!fn) {
      const sig = [...keys].sort().join(", ");
      return send(res, 404, {
        code: "PGRST202",
        message: `Could not find the function public.${name}${keys.length ? `(${sig})` : " without parameters"} in the schema cache`,
        details: `Searched for the function public.${name} with parameters ${sig || "(none)"}, but no matches were found in the schema cache.`,
        hint: null,
      });
    }
    if (fn.retset)
      return send(res, 501, { code: "PGRST000", message: "set-returning functions are not supported by this stand-in", details: null, hint: null });

    // Every value goes as text and is cast to the declared type, as PostgREST does.
    const params: Array<string | null> = [];
    const named = keys.map((k) => {
      const type = fn.argTypes[fn.argNames.indexOf(k)]!;
      // A JSON body's value for a json/jsonb parameter is that JSON value itself (a string stays a JSON string).
      const json = req.method === "POST" && (type === "jsonb" || type === "json");
      params.push(json && args[k] !== null ? JSON.stringify(args[k]) : toText(args[k]));
      return `${k} => $${params.length}::text::${type}`;
    });
    const call = `public.${name}(${named.join(", ")})`;
    try {
      if (fn.returns === "void") {
        await sql.unsafe(`select ${call}`, params);
        res.writeHead(204).end();
        return;
      }
      const [row] = await sql.unsafe<Array<{ r: unknown }>>(`select to_jsonb(${call}) as r`, params);
      send(res, 200, row?.r ?? null);
    } catch (error) {
      const e = error as PgError;
      if (typeof e.code !== "string") throw error;
      send(res, statusFor(e.code), { code: e.code, message: e.message ?? "", details: e.detail ?? null, hint: e.hint ?? null });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { code: "PGRST000", message: String(error), details: null, hint: null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    key: options.key,
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.end({ timeout: 5 });
    },
  };
}

function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** PostgREST's mapping of SQLSTATE to HTTP status (the classes this app can raise). */
function statusFor(code: string): number {
  if (code === "23503" || code === "23505") return 409;
  if (code === "42883" || code === "42P01") return 404;
  if (code === "42501") return 403;
  if (code === "25006") return 405;
  if (code === "P0001") return 400;
  if (/^(08|53|57)/.test(code)) return 503;
  if (/^(0L|0P|28)/.test(code)) return 403;
  if (/^(09|25|2D|38|39|3B|40|54|55|58|P0|XX)/.test(code)) return 500;
  return 400;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}
