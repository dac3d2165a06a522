/** Only same-site paths: never another origin (`//evil`, `/\evil`, absolute URLs). */
export function safeRedirect(to: string | null | undefined, fallback = "/"): string {
  if (!to || typeof to !== "string") return fallback;
  if (!to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\") || /[\u0000-\u001f]/.test(to)) return fallback;
  return to;
}
