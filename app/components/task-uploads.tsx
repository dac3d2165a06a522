import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { TaskUpload } from "#app/db/tasks.server";
import type { FilePreview } from "#app/domain/file-preview";
import { deliverableFileHref } from "./deliverable-list";
import { FormError } from "./field";
import { FilePreviewBox, bytesLabel } from "./file-preview";
import { SavedNote } from "./saved-note";
import { Time } from "./time";

/**
 * Files operators attached for the agent: listed with who sent each, previewed
 * like deliverables, removable by their uploader or an admin (a disclosure
 * reveals the real remove button, so it needs no script). Operators attach
 * more with a plain multipart form. With nothing attached and no right to
 * attach, the panel is not shown.
 */
export function TaskUploads(props: {
  uploads: TaskUpload[];
  base: string;
  previews: Record<string, FilePreview>;
  canUpload: boolean;
  /** Removal: own uploads, or every one for an admin. */
  canRemove: (upload: TaskUpload) => boolean;
  maxBytes: number;
  saved: boolean;
  error?: string;
  now: Date;
}) {
  const { uploads, base, previews, canUpload, canRemove, maxBytes, saved, error, now } = props;
  if (uploads.length === 0 && !canUpload) return null;
  return (
    <section className="panel" id="files" aria-labelledby="files-heading">
      <h2 id="files-heading">Attached files</h2>
      {uploads.length === 0 ? <p className="muted">Nothing attached. Files attached here are sent to the agent with the task.</p> : null}
      <ul className="deliverables uploads">
        {uploads.map((u) => (
          <li key={u.id} data-upload={u.path}>
            <strong>{u.path}</strong>{" "}
            <span className="muted">
              {bytesLabel(u.size_bytes)} · uploaded by {u.uploaded_by_name || "a removed user"} <Time value={u.created_at} now={now} />
            </span>{" "}
            <a href={deliverableFileHref(base, u.path)} download className="btn btn-small">
              Download
            </a>
            <FilePreviewBox preview={previews[u.path]} title={u.path} />
            {canRemove(u) ? (
              <details className="confirm-remove">
                <summary>Remove…</summary>
                <Form method="post" preventScrollReset>
                  <AuthenticityTokenInput />
                  <input type="hidden" name="intent" value="delete-upload" />
                  <input type="hidden" name="upload_id" value={u.id} />
                  <span className="muted">The agent can no longer download it. </span>
                  <button type="submit" className="btn btn-danger btn-small">
                    Remove {u.path}
                  </button>
                </Form>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
      {canUpload ? (
        <Form method="post" encType="multipart/form-data" className="upload-form" preventScrollReset>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="upload" />
          <label htmlFor="upload-file">File to attach</label>
          <input id="upload-file" type="file" name="file" required aria-describedby="upload-hint" />
          <button type="submit" className="btn btn-small">
            Attach file
          </button>
          <SavedNote show={saved}>Attached</SavedNote>
          <p className="muted" id="upload-hint">
            Up to {bytesLabel(maxBytes)}. The agent gets it with the task.
          </p>
          <FormError message={error} />
        </Form>
      ) : null}
    </section>
  );
}
