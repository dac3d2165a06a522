// The exit codes of the `mc` command line (decision 055, README "Command
// line"): what a script may rely on. Each HTTP answer of the API maps to one.

export const EXIT = {
  ok: 0,
  /** Anything else: a 5xx other than unavailable, an answer that is not the API's JSON, a failed local backup. */
  unexpected: 1,
  /** The command line itself is wrong: an unknown command or option, a missing argument, a malformed value. */
  usage: 2,
  /** No key, or the key is refused (401), or it may not do this (403). */
  auth: 3,
  /** The workspace, task, approval or address does not exist (404). */
  notFound: 4,
  /** The server refused the input or the change: invalid (400, 413, 415, 422), a conflict such as an illegal move (409). */
  refused: 5,
  /** The server cannot be reached, is starting or shutting down (502, 503, 504), or asks to slow down (429). */
  unavailable: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP status the API answered with. */
export function exitForStatus(status: number): ExitCode {
  if (status >= 200 && status < 300) return EXIT.ok;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 429 || status === 502 || status === 503 || status === 504) return EXIT.unavailable;
  if (status === 405) return EXIT.unexpected;
  if (status >= 400 && status < 500) return EXIT.refused;
  return EXIT.unexpected;
}
