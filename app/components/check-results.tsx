import { Link } from "react-router";
import type { TaskChecks } from "#app/db/tasks.server";
import { Time } from "./time";

const VERDICT_WORDS: Record<TaskChecks["verdict"], string> = {
  pass: "All deliverable checks passed.",
  fail: "Deliverable checks failed, so the task went back to its agent.",
  partial: "The checked deliverables passed; some were not checked automatically.",
  none_checkable: "No deliverable could be checked automatically.",
};

/**
 * The latest deliverable checks: each result with its reason in words. A URL
 * refused because its host is not allowed says how to allow it.
 */
export function CheckResults({ checks, now, settingsHref }: { checks: TaskChecks | null; now: Date; settingsHref: string }) {
  if (!checks) return null;
  const results = checks.results.filter((r) => r.kind !== "skipped" || r.details?.unchecked);
  return (
    <section className="panel" id="checks" aria-labelledby="checks-heading" data-verdict={checks.verdict}>
      <h2 id="checks-heading">Checks</h2>
      <p className={checks.verdict === "fail" ? "alert-text" : "muted"}>
        {VERDICT_WORDS[checks.verdict]} <Time value={checks.checked_at} now={now} />
      </p>
      {results.length > 0 ? (
        <ul className="check-results">
          {results.map((r, i) => (
            <li key={`${r.deliverable_id}-${r.kind}-${i}`} className={r.ok ? "check-ok" : "check-failed"} data-reason={r.reason ?? undefined}>
              <span className="check-mark" aria-hidden="true">
                {r.ok ? "✓" : "✗"}
              </span>{" "}
              <strong>{r.title ?? "A removed deliverable"}</strong> <span className="muted">({kindWords(r.kind)})</span>
              <span className="check-message">
                {" — "}
                {r.message}
              </span>
              {r.reason === "url_host_not_allowed" ? (
                <span className="check-fix" data-testid="allowlist-fix">
                  {" "}
                  The testing stage fetches only hosts on the workspace&apos;s allowed hosts list, which starts empty.{" "}
                  <Link to={settingsHref}>Allow the host in workspace settings</Link> (an admin can), then move the task to testing again.
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function kindWords(kind: string): string {
  if (kind === "url") return "address";
  if (kind === "html") return "page render";
  if (kind === "file") return "file";
  return "not checked";
}
