import { listTaskApprovals, listTaskExecRequests } from "#app/db/governance.server";
import { listTaskComments } from "#app/db/comments.server";
import { getTaskChecks, getTaskLinks, listTaskUploads, type TaskDetail } from "#app/db/tasks.server";
import type { Database } from "#app/db/types";
import { type FilePreview, INLINE_TEXT_MAX_BYTES, PREVIEW_MAX_BYTES, previewHref, previewOf } from "#app/domain/file-preview";
import { readTaskFileStart, resolveTaskFile } from "#app/services/agent-plane/task-files.server";
import { renderMarkdown, renderMarkdownInline } from "#app/services/text/markdown.server";

// What the task page shows beyond the task itself: the requests waiting on
// it, the commands its agent asked to run, the latest checks, the operator's attachments, Markdown rendered to
// safe HTML, and a preview of each stored file.

async function previewFile(filesDir: string, taskId: string, taskBase: string, filePath: string): Promise<FilePreview | null> {
  const kind = previewOf(filePath);
  if (!kind) return null;
  const file = await resolveTaskFile(filesDir, taskId, filePath);
  if (!file) return null;
  const preview: FilePreview = { kind: kind.kind, href: previewHref(taskBase, filePath), size: file.size, tooLarge: file.size > PREVIEW_MAX_BYTES };
  if (preview.tooLarge || (kind.kind !== "markdown" && kind.kind !== "text")) return preview;
  const start = await readTaskFileStart(file, INLINE_TEXT_MAX_BYTES);
  if (!start) return null;
  preview.truncated = start.truncated;
  if (kind.kind === "markdown") preview.html = renderMarkdown(start.text);
  else preview.text = start.text;
  return preview;
}

/** The latest commands the agent asked to run (exec approvals), newest first. */
const TASK_COMMANDS_SHOWN = 20;

/** Activity notes people and agents wrote are Markdown; the system's own lines are plain words. */
const MARKDOWN_ACTORS = new Set(["agent", "user"]);

export async function taskPageData(db: Database, filesDir: string, task: TaskDetail, taskBase: string) {
  const [approvals, checks, uploads, commands, links, comments] = await Promise.all([
    listTaskApprovals(db, task.id),
    getTaskChecks(db, task.id),
    listTaskUploads(db, task.id),
    listTaskExecRequests(db, task.id, TASK_COMMANDS_SHOWN),
    getTaskLinks(db, task.id),
    listTaskComments(db, task.id),
  ]);
  const paths = new Set<string>();
  for (const d of task.deliverables) if (d.type === "file" && d.path) paths.add(d.path);
  for (const u of uploads) paths.add(u.path);
  const previews: Record<string, FilePreview> = {};
  await Promise.all(
    [...paths].map(async (p) => {
      const preview = await previewFile(filesDir, task.id, taskBase, p);
      if (preview) previews[p] = preview;
    }),
  );
  const activityHtml: Record<string, string> = {};
  for (const a of task.activities) if (MARKDOWN_ACTORS.has(a.actor_type)) activityHtml[a.id] = renderMarkdownInline(a.message);
  // Comments are Markdown, rendered here like descriptions (decision 045); a deleted one has no text to render.
  const commentHtml: Record<string, { body: string; history: string[] }> = {};
  for (const c of comments) {
    if (!c.deleted_at) commentHtml[c.id] = { body: renderMarkdown(c.body), history: c.history.map((h) => renderMarkdown(h.body)) };
  }
  return {
    approvals,
    comments,
    commentHtml,
    commands,
    links,
    checks,
    uploads,
    previews,
    descriptionHtml: task.description.trim() ? renderMarkdown(task.description) : "",
    activityHtml,
  };
}
