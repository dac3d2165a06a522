import { operator } from "#app/services/auth/operator.server";
import type { Route } from "./+types/admin-audit-export";

// GET /admin/audit/export — the whole chain as JSON Lines, oldest first, so it
// can be archived and re-verified elsewhere (each line carries prev_hash and hash).
export async function loader({ request, context }: Route.LoaderArgs) {
  const { db } = operator(context, request, "admin");
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const pages: unknown[][] = [];
      let before: number | null = null;
      for (;;) {
        const page: Array<{ seq: number }> = await db.rpc("list_audit_log", { p_before: before, p_limit: 5000 });
        if (page.length === 0) break;
        pages.unshift(page.reverse());
        before = page[0]!.seq;
        if (page.length < 5000) break;
      }
      for (const page of pages) for (const entry of page) controller.enqueue(encoder.encode(`${JSON.stringify(entry)}\n`));
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
