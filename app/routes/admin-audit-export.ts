import { data } from "react-router";
import { type AuditLogEntry, searchAuditLog } from "#app/db/audit.server";
import { zoneOr } from "#app/domain/time";
import { operator } from "#app/services/auth/operator.server";
import { readAuditFilters } from "./admin-audit.server";
import type { Route } from "./+types/admin-audit-export";

const CHUNK = 5000;

// GET /admin/audit/export — the entries the page's filters select (the whole
// chain without filters) as JSON Lines, oldest first, so they can be archived
// and re-verified elsewhere (each line carries prev_hash and hash as stored;
// actor_name is the name shown, not part of the hash).
export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "admin");
  const parsed = readAuditFilters(url);
  if (!parsed.ok) throw data({ message: `Invalid filters: ${Object.values(parsed.errors).join("; ")}` }, { status: 400 });
  const { sql } = parsed;
  const encoder = new TextEncoder();
  const line = (e: AuditLogEntry) =>
    `${JSON.stringify({ seq: e.seq, at: e.at, kind: e.kind, actor: e.actor, actor_name: e.actor_name, subject: e.subject, data: e.data, prev_hash: e.prev_hash, hash: e.hash })}\n`;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const pages: AuditLogEntry[][] = [];
      let before: number | null = null;
      for (;;) {
        const page = await searchAuditLog(db, sql, before, CHUNK, zoneOr(user.time_zone));
        if (page.entries.length > 0) pages.unshift(page.entries.reverse());
        if (!page.next_before) break;
        before = page.next_before;
      }
      for (const page of pages) for (const entry of page) controller.enqueue(encoder.encode(line(entry)));
      controller.close();
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="mission-control-audit-${new Date().toISOString().slice(0, 10)}.jsonl"`,
      "Cache-Control": "no-store",
    },
  });
}
