import { Link } from "react-router";
import { listAuditLog, verifyAuditLog } from "#app/db/audit.server";
import { operator } from "#app/services/auth/operator.server";
import { Time } from "#app/components/time";
import type { Route } from "./+types/admin-audit";

export const meta: Route.MetaFunction = () => [{ title: "Audit log · Mission Control" }];

// The audit log for admins: the chain is verified on every view.
export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db } = operator(context, request, "admin");
  const before = Number(url.searchParams.get("before"));
  const [verification, entries] = await Promise.all([verifyAuditLog(db), listAuditLog(db, Number.isSafeInteger(before) && before > 0 ? before : null, 100)]);
  return { verification, entries };
}

export default function AdminAudit({ loaderData }: Route.ComponentProps) {
  const { verification, entries } = loaderData;
  const oldest = entries.at(-1)?.seq;
  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1>Audit log</h1>
        <a className="btn btn-small" href="/admin/audit/export" download>
          Export (JSON Lines)
        </a>
      </div>
      {verification.ok ? (
        <p className="notice-ok" data-testid="audit-verification">
          {`Chain intact: ${verification.rows} entries, head `}
          <code>{verification.head?.slice(0, 16)}</code>.
        </p>
      ) : (
        <p className="form-error" role="alert" data-testid="audit-verification">
          Tampering detected at entry {verification.broken_at} ({verification.reason?.replaceAll("_", " ")}).
        </p>
      )}
      <div className="table-scroll" tabIndex={0}>
        <table className="table audit">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>What</th>
              <th>Who</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} title={e.hash}>
                <td>{e.seq}</td>
                <td>
                  <Time value={e.at} absolute />
                </td>
                <td>{e.kind}</td>
                <td title={e.actor.email}>{e.actor_name}</td>
                <td>
                  <code>{JSON.stringify({ ...e.subject, ...e.data }).slice(0, 160)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {oldest && entries.length === 100 ? (
        <p>
          <Link to={`?before=${oldest}`}>Older entries →</Link>
        </p>
      ) : null}
    </main>
  );
}
