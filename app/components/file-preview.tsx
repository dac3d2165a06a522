import type { FilePreview } from "#app/domain/file-preview";

/** Sizes as people read them. */
export function bytesLabel(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

/**
 * A stored file's preview under its entry: an image inline, Markdown rendered
 * (by the server's Markdown module), plain text as text, an HTML report in a
 * sandboxed frame with neither scripts nor the app's origin (its response is
 * sandboxed by its own CSP too). Large files get no preview.
 */
export function FilePreviewBox({ preview, title }: { preview: FilePreview | undefined; title: string }) {
  if (!preview) return null;
  if (preview.tooLarge) return <p className="muted preview-note">Too large to preview ({bytesLabel(preview.size)}); download it instead.</p>;
  const cut = preview.truncated ? <p className="muted preview-note">Only the start of the file is shown; download it for the rest.</p> : null;
  switch (preview.kind) {
    case "image":
      return (
        <figure className="preview preview-image">
          <img src={preview.href} alt={`Preview of ${title}`} loading="lazy" />
        </figure>
      );
    case "html":
      return (
        <div className="preview preview-html">
          <iframe src={preview.href} title={`Preview of ${title}`} sandbox="" referrerPolicy="no-referrer" />
        </div>
      );
    case "markdown":
      return (
        <div className="preview preview-markdown">
          {/* Safe HTML: the output of the server's Markdown module (raw HTML off, links vetted). */}
          <div className="markdown" dangerouslySetInnerHTML={{ __html: preview.html ?? "" }} />
          {cut}
        </div>
      );
    case "text":
      return (
        <div className="preview preview-text">
          <pre>{preview.text}</pre>
          {cut}
        </div>
      );
  }
}
