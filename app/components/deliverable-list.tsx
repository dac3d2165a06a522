import type { Deliverable } from "#app/db/tasks.server";

/** The download address of a file deliverable: each path segment percent-encoded. */
export function deliverableFileHref(base: string, filePath: string): string {
  return `${base}/files/${filePath.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * A task's deliverables. URL deliverables open in a new tab without a referrer
 * or an opener; file deliverables link to the task's download route, which
 * always answers as an attachment.
 */
export function DeliverableList({ deliverables, base }: { deliverables: Deliverable[]; /** "/w/<slug>/tasks/<id>" */ base: string }) {
  return (
    <section className="panel">
      <h2>Deliverables</h2>
      {deliverables.length === 0 ? <p className="muted">No deliverables yet.</p> : null}
      <ul className="deliverables">
        {deliverables.map((d) => (
          <li key={d.id}>
            <span className="badge">{d.type}</span> <strong>{d.title}</strong>
            {d.url ? (
              <a href={d.url} rel="noopener noreferrer nofollow" target="_blank">
                {" "}
                {d.url}
              </a>
            ) : null}
            {d.path ? <code> {d.path}</code> : null}
            {d.type === "file" && d.path ? (
              <>
                {" "}
                <a href={deliverableFileHref(base, d.path)} download className="btn btn-small" data-testid="deliverable-download">
                  Download
                </a>
              </>
            ) : null}
            {d.description ? <p className="muted">{d.description}</p> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
