/**
 * Only same-site paths: never another origin (`//evil`, `/\evil`, absolute
 * URLs). The result always fits a Location header: characters outside ASCII
 * are percent-encoded as UTF-8 (a header cannot carry them, and setting one
 * would throw after the login it follows had already been written).
 */
export function safeRedirect(to: string | null | undefined, fallback = "/"): string {
  if (!to || typeof to !== "string") return fallback;
  if (!to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  // Control characters (tab, newline…) let browsers reinterpret the path.
  if ([...to].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return fallback;
  // A lone surrogate has no UTF-8 form to encode.
  if (!to.isWellFormed()) return fallback;
  return to.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
}
