import type { Deliverable } from "#app/db/tasks.server";
import type { FilePreview } from "#app/domain/file-preview";
import { FilePreviewBox } from "./file-preview";

/** The download address of a file deliverable: each path segment percent-encoded. */
export function deliverableFileHref(base: string, filePath: string): string {
  return `${base}/files/${filePath.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * A task's deliverables. URL deliverables open in a new tab without a referrer
 * or an opener; file deliverables link to the task's download route, which
 * always answers as an attachment, with a preview under them when they have
 * one. With none, the panel is one muted line.
 */
export function DeliverableList({
  deliverables,
  base,
  previews = {},
}: {
  deliverables: Deliverable[];
  /** "/w/<slug>/tasks/<id>" */
  base: string;
  previews?: Record<string, FilePreview>;
}) {
  if (deliverables.length === 0) {
    return (
      <p className="panel-empty muted" data-testid="no-deliverables">
        No deliverables yet.
      </p>
    );
  }
  return (
    <section className="panel" aria-labelledby="deliverables-heading">
      <h2 id="deliverables-heading">Deliverables</h2>
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
            {d.type === "file" && d.path ? <FilePreviewBox preview={previews[d.path]} title={d.title} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
