import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { Readable } from "node:stream";
import { mkdir, open, realpath, rm, stat } from "node:fs/promises";
import path from "node:path";
import { FormDataParseError, MaxFileSizeExceededError, MaxTotalSizeExceededError, MultipartParseError, parseFormData } from "@remix-run/form-data-parser";
import { AppError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { PREVIEW_CSP, PREVIEW_MAX_BYTES, previewOf } from "#app/domain/file-preview";
import { inside, refusePath } from "../orchestration/checks/file-check.server";

// Files live under FILES_DIR/<task id>/. Names are reduced to a safe
// basename, so traversal is impossible by construction; the resolved path is
// still checked against the base (with a separator), and the task directory's
// real path too, in case someone put a symlink there.

const SAFE = /[^A-Za-z0-9._-]+/g;

export function safeFileName(name: string): string {
  const base = path.basename(name.replaceAll("\\", "/")).normalize("NFKC");
  const cleaned = base
    .replace(SAFE, "_")
    .replace(/^[._]+/, "")
    .slice(0, 180);
  return cleaned || "upload";
}

export async function taskDir(filesDir: string, taskId: string): Promise<string> {
  const base = path.resolve(filesDir);
  const dir = path.resolve(base, taskId);
  if (!dir.startsWith(base + path.sep)) throw new AppError("invalid", "Invalid task directory.");
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const [realBase, realDir] = await Promise.all([realpath(base), realpath(dir)]);
  if (!realDir.startsWith(realBase + path.sep)) throw new AppError("forbidden", "The task directory points outside the files directory.");
  return realDir;
}

/**
 * Creates a new file for writing without replacing an existing one
 * (`name`, `name-1`, …) and without following a symlink planted at that name.
 */
export async function createTaskFile(dir: string, name: string) {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < 1000; i++) {
    const candidate = i === 0 ? name : `${stem}-${i}${ext}`;
    const full = path.join(dir, candidate);
    try {
      const handle = await open(full, "wx", 0o640);
      return { handle, name: candidate, full, discard: () => rm(full, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new AppError("conflict", "Too many files with that name.");
}

export interface ResolvedTaskFile {
  /** Real absolute path of the file (symlinks resolved, inside the task folder). */
  path: string;
  /** The file's own name, for Content-Disposition. */
  name: string;
  size: number;
}

/**
 * A path from a URL or a form, resolved to an existing regular file under
 * FILES_DIR/<taskId>/, or null: hostile input (NUL, absolute, "..", encoded
 * or double-encoded traversal, backslashes) is refused before touching the
 * disk, the lexical result must stay inside the task folder, and so must its
 * real path (a symlink out of the folder is refused). Never creates anything.
 */
export async function resolveTaskFile(filesDir: string, taskId: string, rawPath: string): Promise<ResolvedTaskFile | null> {
  if (!isUuid(taskId) || refusePath(rawPath)) return null;
  // Backslashes are separators on another system and never part of a stored name.
  if (rawPath.includes("\\")) return null;
  const root = path.resolve(filesDir);
  const base = path.resolve(root, taskId.toLowerCase());
  const target = path.resolve(base, rawPath);
  if (!inside(root, base) || !inside(base, target)) return null;
  try {
    const [realRoot, realBase, realTarget] = await Promise.all([realpath(root), realpath(base), realpath(target)]);
    if (!inside(realRoot, realBase) || !inside(realBase, realTarget)) return null;
    const info = await stat(realTarget);
    if (!info.isFile()) return null;
    return { path: realTarget, name: path.basename(realTarget), size: info.size };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES" || code === "ELOOP" || code === "ENAMETOOLONG" || code === "EINVAL") return null;
    throw error;
  }
}

/**
 * Opens a resolved file for reading without following a symlink swapped in
 * since it was resolved, and checks it is still a regular file.
 */
export async function openTaskFile(file: ResolvedTaskFile) {
  const handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new AppError("not_found", "File not found.");
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A file stored by storeUpload(): its name in the task folder, size and hash, and how to take it back. */
export interface StoredUpload {
  path: string;
  size: number;
  sha256: string;
  discard: () => Promise<void>;
}

/** What a multipart body may hold besides its one file: a few short text fields (the page's CSRF token…). */
const TEXT_FIELDS_BYTES = 64 * 1024;

/**
 * Streams the one file of a multipart request (field "file", at most
 * `maxBytes`) into the task's folder under a safe, new name, hashing it on
 * the way; the agent API and the task page store uploads through this alone.
 * Too large: 413, nothing kept. Unreadable, none, or empty: 400, nothing kept.
 * The text fields come back too (the page's form sends its intent with it).
 */
export async function storeUpload(request: Request, dir: string, maxBytes: number): Promise<{ file: StoredUpload; fields: FormData }> {
  const stored: StoredUpload[] = [];
  const cleanup: Array<() => Promise<void>> = [];
  const discardAll = async () => {
    await Promise.all(cleanup.map((discard) => discard()));
  };
  let fields: FormData;
  try {
    fields = await parseFormData(request, { maxFiles: 1, maxFileSize: maxBytes, maxTotalSize: maxBytes + TEXT_FIELDS_BYTES, maxParts: 10 }, async (upload) => {
      if (upload.fieldName !== "file") return null;
      const target = await createTaskFile(dir, safeFileName(upload.name));
      cleanup.push(target.discard);
      const hash = createHash("sha256");
      let size = 0;
      try {
        for await (const chunk of upload.stream()) {
          size += chunk.byteLength;
          hash.update(chunk);
          await target.handle.write(chunk);
        }
      } finally {
        await target.handle.close();
      }
      stored.push({ path: target.name, size, sha256: hash.digest("hex"), discard: target.discard });
      return null;
    });
  } catch (error) {
    await discardAll();
    if (error instanceof MaxFileSizeExceededError || error instanceof MaxTotalSizeExceededError) {
      throw new AppError("payload_too_large", `Files are limited to ${formatBytes(maxBytes)} (${maxBytes} bytes).`, { max_bytes: maxBytes });
    }
    if (error instanceof FormDataParseError || error instanceof MultipartParseError) {
      throw new AppError("invalid", `The upload could not be read: ${error.message}`);
    }
    throw error;
  }
  const [file] = stored;
  if (!file) throw new AppError("invalid", 'Send exactly one file in a field named "file".');
  if (file.size === 0) {
    await discardAll();
    throw new AppError("invalid", "The file is empty.");
  }
  return { file, fields };
}

/** A byte count for a person: "10 MiB", "512 KiB", "900 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

/** Removes a stored file of the task's folder by its name there; a missing file is not an error. */
export async function removeTaskFile(filesDir: string, taskId: string, name: string): Promise<void> {
  const file = await resolveTaskFile(filesDir, taskId, name);
  if (file) await rm(file.path, { force: true });
}

/** RFC 8187 ext-value: percent-encode everything but attr-chars. */
function dispositionName(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A stored file as an HTTP answer. A download is always an attachment
 * (octet-stream, nosniff, sandboxed): nothing a file holds ever renders on
 * the dashboard's origin. A preview (`preview`) is inline, with the content
 * type its name's preview kind fixes, under PREVIEW_CSP (sandboxed, no
 * script, no same origin, framed by this site only); a file with no preview
 * kind, or over PREVIEW_MAX_BYTES, is refused (415 / 413). Null when the file
 * is gone or was swapped for a link since it was resolved.
 */
export async function taskFileResponse(request: Request, file: ResolvedTaskFile, preview = false): Promise<Response | null> {
  const kind = preview ? previewOf(file.name) : null;
  if (preview && !kind) return textAnswer(415, "This kind of file has no preview; download it instead.");
  if (preview && file.size > PREVIEW_MAX_BYTES) return textAnswer(413, `Files over ${formatBytes(PREVIEW_MAX_BYTES)} are not previewed; download it instead.`);
  let opened: Awaited<ReturnType<typeof openTaskFile>>;
  try {
    opened = await openTaskFile(file);
  } catch {
    return null;
  }
  let body: ReadableStream<Uint8Array> | null = null;
  // A HEAD answer has no body: do not leave an unread stream holding the file open.
  if (request.method.toUpperCase() === "HEAD") await opened.handle.close();
  else body = Readable.toWeb(opened.handle.createReadStream()) as ReadableStream<Uint8Array>;
  const headers: Record<string, string> = kind
    ? {
        "Content-Type": kind.type,
        "Content-Disposition": `inline; filename*=UTF-8''${dispositionName(file.name)}`,
        "Content-Security-Policy": PREVIEW_CSP,
        "X-Frame-Options": "SAMEORIGIN",
      }
    : {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": `attachment; filename*=UTF-8''${dispositionName(file.name)}`,
        "Content-Security-Policy": "sandbox; default-src 'none'",
      };
  return new Response(body, {
    status: 200,
    headers: { ...headers, "Content-Length": String(opened.size), "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store" },
  });
}

function textAnswer(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store" },
  });
}

/** The start of a stored text file for the page (at most `maxBytes`), and whether it was cut. */
export async function readTaskFileStart(file: ResolvedTaskFile, maxBytes: number): Promise<{ text: string; truncated: boolean } | null> {
  let opened: Awaited<ReturnType<typeof openTaskFile>>;
  try {
    opened = await openTaskFile(file);
  } catch {
    return null;
  }
  try {
    const length = Math.min(opened.size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await opened.handle.read(buffer, 0, length, 0);
    // A multi-byte character cut at the limit decodes as U+FFFD, which is harmless.
    return { text: buffer.subarray(0, bytesRead).toString("utf8"), truncated: opened.size > maxBytes };
  } finally {
    await opened.handle.close();
  }
}
