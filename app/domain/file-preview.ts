// How a task's stored file is previewed on its page, by its name alone: the
// file route serves a preview with the content type chosen here (never one
// the file or its uploader claims), and the page picks the matching element.

export type PreviewKind = "image" | "html" | "markdown" | "text";

const KINDS: Record<string, { kind: PreviewKind; type: string }> = {
  png: { kind: "image", type: "image/png" },
  jpg: { kind: "image", type: "image/jpeg" },
  jpeg: { kind: "image", type: "image/jpeg" },
  gif: { kind: "image", type: "image/gif" },
  webp: { kind: "image", type: "image/webp" },
  avif: { kind: "image", type: "image/avif" },
  html: { kind: "html", type: "text/html; charset=utf-8" },
  htm: { kind: "html", type: "text/html; charset=utf-8" },
  md: { kind: "markdown", type: "text/plain; charset=utf-8" },
  markdown: { kind: "markdown", type: "text/plain; charset=utf-8" },
  txt: { kind: "text", type: "text/plain; charset=utf-8" },
  log: { kind: "text", type: "text/plain; charset=utf-8" },
  csv: { kind: "text", type: "text/plain; charset=utf-8" },
  json: { kind: "text", type: "text/plain; charset=utf-8" },
  yaml: { kind: "text", type: "text/plain; charset=utf-8" },
  yml: { kind: "text", type: "text/plain; charset=utf-8" },
};

/** Files larger than this are not previewed (a download link only). */
export const PREVIEW_MAX_BYTES = 2 * 1024 * 1024;
/** Text and Markdown shown on the page itself: at most this much of the file. */
export const INLINE_TEXT_MAX_BYTES = 64 * 1024;

/** The preview of a file by its name, or null when it has none (a download only). */
export function previewOf(name: string): { kind: PreviewKind; type: string } | null {
  const dot = name.lastIndexOf(".");
  if (dot < 0) return null;
  return KINDS[name.slice(dot + 1).toLowerCase()] ?? null;
}

/**
 * The policy a previewed file is served under. A preview is a document of
 * its own, with no script and no network: an HTML report is framed by the
 * task page only (`frame-ancestors 'self'`) and sandboxed without
 * allow-same-origin, so it has an opaque origin: it can read neither the
 * app's cookies nor its pages, even when opened directly.
 */
export const PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

/** The address of a stored file's preview, each path segment percent-encoded. */
export function previewHref(taskBase: string, filePath: string): string {
  return `${taskBase}/files/${filePath.split("/").map(encodeURIComponent).join("/")}?preview=1`;
}

/** What the task page shows of one stored file. */
export interface FilePreview {
  kind: PreviewKind;
  /** The file route's inline answer (images and HTML reports load from it). */
  href: string;
  size: number;
  /** Over the preview cap: a download only. */
  tooLarge: boolean;
  /** Markdown, rendered (safe HTML from the markdown module). */
  html?: string;
  /** Plain text, as stored. */
  text?: string;
  /** Only the start of the file is shown. */
  truncated?: boolean;
}
