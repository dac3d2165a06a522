// Text that leaves the server (check results shown to agents, stored on a
// task) must not reveal where the server keeps things: an absolute path tells
// an attacker the layout of the host and where the data directory is. Each
// root is replaced by what its reader may know: the task's own folder becomes
// relative ("report.html"), other roots a placeholder ("<files>/…").

export interface PathRoot {
  /** An absolute path or a file:// URL, without a trailing separator. */
  root: string;
  /** What stands for the root: "" makes what follows relative; otherwise a placeholder such as "<tmp>". */
  as: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Replaces every root in text, longest first (so a task folder wins over the
 * files folder that contains it). A root matches only at a path boundary:
 * "/tmp" is not found in "/tmpfiles".
 */
export function scrubPaths(text: string, roots: PathRoot[]): string {
  const ordered = roots.filter((r) => r.root.length > 1).sort((a, b) => b.root.length - a.root.length);
  let out = text;
  for (const { root, as } of ordered) {
    if (!out.includes(root)) continue;
    const pattern = new RegExp(`${escapeRegExp(root)}(/+|(?![A-Za-z0-9._~%-]))`, "g");
    out = out.replace(pattern, (_match, slash: string) => (slash ? (as ? `${as}/` : "") : as || "."));
  }
  return out;
}

/** scrubPaths over every string in a JSON-like value (objects, arrays), keys included. */
export function scrubDeep<T>(value: T, roots: PathRoot[]): T {
  if (typeof value === "string") return scrubPaths(value, roots) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v, roots)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrubPaths(k, roots), scrubDeep(v, roots)])) as T;
  }
  return value;
}
