import { Form, Link, data } from "react-router";
import { type AuditLogEntry, auditLogFacets, searchAuditLog, verifyAuditLog } from "#app/db/audit.server";
import { actionChoices, actionLabel, actorLabel, detailItems, filterQuery } from "#app/domain/audit";
import { zoneOr } from "#app/domain/time";
import { operator } from "#app/services/auth/operator.server";
import { Time } from "#app/components/time";
import { readAuditFilters } from "./admin-audit.server";
import type { Route } from "./+types/admin-audit";

export const meta: Route.MetaFunction = () => [{ title: "Audit log · Mission Control" }];

const PAGE = 50;

// The audit log for admins: the chain is verified on every view; filters live
// in the URL (a GET form), so a filtered view works without JavaScript and can be shared.
export async function loader({ request, context, url }: Route.LoaderArgs) {
  const { db, user } = operator(context, request, "admin");
  const parsed = readAuditFilters(url);
  const [verification, facets] = await Promise.all([verifyAuditLog(db), auditLogFacets(db)]);
  if (!parsed.ok) {
    return data({ verification, facets, filters: parsed.values, errors: parsed.errors, page: { entries: [], next_before: null }, query: "" }, { status: 400 });
  }
  const page = await searchAuditLog(db, parsed.sql, parsed.filters.before ?? null, PAGE, zoneOr(user.time_zone));
  return { verification, facets, filters: parsed.values, errors: {} as Record<string, string>, page, query: filterQuery(parsed.filters) };
}

export default function AdminAudit({ loaderData }: Route.ComponentProps) {
  const { verification, facets, filters, errors, page, query } = loaderData;
  const paged = Boolean(filters.before);
  const filtered = ["actor", "action", "workspace", "from", "to", "q"].some((k) => filters[k]);
  const error = (name: string) =>
    errors[name] ? (
      <p id={`audit-${name}-error`} className="field-error">
        {errors[name]}
      </p>
    ) : null;
  const invalid = (name: string) => (errors[name] ? { "aria-invalid": true, "aria-describedby": `audit-${name}-error` } : {});
  return (
    <main id="main" className="page audit-page">
      <div className="page-head">
        <h1>Audit log</h1>
        <a className="btn btn-small" href={`/admin/audit/export${query}`} download data-testid="audit-export">
          {filtered ? "Export these entries (JSON Lines)" : "Export (JSON Lines)"}
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

      <Form method="get" className="audit-filters" aria-label="Filter the audit log" data-testid="audit-filters">
        <div className="field">
          <label htmlFor="audit-actor">Who</label>
          <select id="audit-actor" name="actor" defaultValue={filters.actor ?? ""} {...invalid("actor")}>
            <option value="">Anyone</option>
            {facets.actors.map((a) => (
              <option key={a.key} value={a.key}>
                {actorLabel({ type: a.type, name: a.name }, a.name)}
              </option>
            ))}
          </select>
          {error("actor")}
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" name="action" defaultValue={filters.action ?? ""} {...invalid("action")}>
            <option value="">Any action</option>
            {actionChoices(facets.kinds).map((area) => (
              <optgroup key={area.area} label={area.label}>
                <option value={area.area}>All: {area.label.toLowerCase()}</option>
                {area.kinds.map((k) => (
                  <option key={k.value} value={k.value}>
                    {k.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {error("action")}
        </div>
        <div className="field">
          <label htmlFor="audit-workspace">Workspace</label>
          <select id="audit-workspace" name="workspace" defaultValue={filters.workspace ?? ""} {...invalid("workspace")}>
            <option value="">Any workspace</option>
            {facets.workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
          {error("workspace")}
        </div>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="date" name="from" defaultValue={filters.from ?? ""} {...invalid("from")} />
          {error("from")}
        </div>
        <div className="field">
          <label htmlFor="audit-to">To</label>
          <input id="audit-to" type="date" name="to" defaultValue={filters.to ?? ""} {...invalid("to")} />
          {error("to")}
        </div>
        <div className="field audit-q">
          <label htmlFor="audit-q">Text</label>
          <input id="audit-q" type="search" name="q" defaultValue={filters.q ?? ""} placeholder="A name, a model, a comment…" {...invalid("q")} />
          {error("q")}
        </div>
        <div className="audit-filter-actions">
          <button type="submit" className="btn btn-small">
            Filter
          </button>
          {filtered || paged ? (
            <Link to="/admin/audit" className="btn btn-small btn-ghost">
              Clear
            </Link>
          ) : null}
        </div>
        {errors._form ? <p className="field-error">{errors._form}</p> : null}
      </Form>

      {page.entries.length === 0 ? (
        <p className="empty" data-testid="audit-empty">
          {Object.keys(errors).length > 0 ? "Correct the filters to see entries." : filtered ? "No entries match these filters." : "No entries yet."}
        </p>
      ) : (
        <ol className="audit-list" data-testid="audit-list">
          {page.entries.map((e) => (
            <AuditItem key={e.seq} entry={e} />
          ))}
        </ol>
      )}
      <nav className="audit-pages" aria-label="Audit log pages">
        {paged ? <Link to={`/admin/audit${query}`}>← Newest entries</Link> : null}
        {page.next_before ? (
          <Link to={`/admin/audit${filterQuery({}, page.next_before)}${query ? `&${query.slice(1)}` : ""}`} data-testid="audit-older">
            Older entries →
          </Link>
        ) : null}
      </nav>
    </main>
  );
}

function AuditItem({ entry: e }: { entry: AuditLogEntry }) {
  const ws = e.refs.workspace;
  const base = ws ? `/w/${ws.slug}` : null;
  const who = actorLabel(e.actor, e.actor_name);
  const details = detailItems(e.data, e.subject);
  const actorLink =
    e.actor.type === "user" && e.actor.id ? (
      <Link to={`/admin/users#user-${e.actor.id}`}>{who}</Link>
    ) : e.actor.type === "agent" && e.refs.actor_agent && base ? (
      <Link to={`${base}/agents/${e.refs.actor_agent.id}`}>{who}</Link>
    ) : (
      who
    );
  return (
    <li className="audit-entry" data-testid="audit-entry" data-kind={e.kind} id={`entry-${e.seq}`}>
      <div className="audit-head">
        <span className="audit-what">{actionLabel(e.kind)}</span>
        <span className="audit-who">{actorLink}</span>
        <span className="audit-when muted">
          <Time value={e.at} absolute /> · #{e.seq}
        </span>
      </div>
      <ul className="audit-refs">
        {e.refs.task && base ? (
          <li>
            Task <Link to={`${base}/tasks/${e.refs.task.id}`}>{e.refs.task.title}</Link>
          </li>
        ) : null}
        {e.refs.agent && base ? (
          <li>
            Agent <Link to={`${base}/agents/${e.refs.agent.id}`}>{e.refs.agent.name}</Link>
          </li>
        ) : null}
        {e.refs.pipeline && base ? (
          <li>
            Pipeline <Link to={`${base}/pipelines/${e.refs.pipeline.id}`}>{e.refs.pipeline.name}</Link>
          </li>
        ) : null}
        {e.refs.user ? (
          <li>
            User <Link to={`/admin/users#user-${e.refs.user.id}`}>{e.refs.user.name}</Link>
          </li>
        ) : null}
        {ws ? (
          <li>
            Workspace <Link to={`/w/${ws.slug}`}>{ws.name}</Link>
          </li>
        ) : null}
      </ul>
      {details.length > 0 ? (
        <dl className="audit-details">
          {details.map((d) => (
            <div key={d.key}>
              <dt>{d.label}</dt>
              <dd>{d.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <details className="audit-raw">
        <summary>Raw entry</summary>
        <pre>
          {JSON.stringify({ seq: e.seq, kind: e.kind, actor: e.actor, subject: e.subject, data: e.data, prev_hash: e.prev_hash, hash: e.hash }, null, 2)}
        </pre>
      </details>
    </li>
  );
}
