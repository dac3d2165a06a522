import { type ReactNode, useState } from "react";
import { useHydrated } from "remix-utils/use-hydrated";

/**
 * A freshly issued token (an agent's, or a user's API key), shown once. The token is plain selectable
 * text (a click selects all of it), so it can be copied without a script; the
 * Copy button needs one and appears only once the page runs.
 */
export function TokenReveal({
  token,
  agentName,
  heading,
  usage,
  testId = "agent-token",
}: {
  token: string;
  agentName?: string;
  /** The heading; by default "API token for <agent>". */
  heading?: string;
  /** How the token is used; by default how agents send it. */
  usage?: ReactNode;
  testId?: string;
}) {
  const hydrated = useHydrated();
  // Which token the last copy was for: a newly issued one starts as not copied.
  const [copied, setCopied] = useState<{ token: string; ok: boolean } | null>(null);
  const outcome = copied?.token === token ? copied.ok : null;
  const copy = () => {
    navigator.clipboard.writeText(token).then(
      () => setCopied({ token, ok: true }),
      () => setCopied({ token, ok: false }),
    );
  };
  return (
    <section className="token-reveal" role="status">
      <h2>{heading ?? `API token for ${agentName ?? "the agent"}`}</h2>
      <p>Copy it now: it is stored hashed and will not be shown again.</p>
      <pre className="token" data-testid={testId}>
        <code>{token}</code>
      </pre>
      {hydrated && typeof navigator !== "undefined" && navigator.clipboard ? (
        <p className="token-actions">
          <button type="button" className="btn btn-small" onClick={copy}>
            {outcome === true ? "Copied" : "Copy"}
          </button>
          {outcome === false ? <span className="field-error"> The browser refused the clipboard: select the token and copy it.</span> : null}
        </p>
      ) : null}
      <p className="muted">
        {usage ?? (
          <>
            Agents send it as <code>Authorization: Bearer …</code>.
          </>
        )}
      </p>
    </section>
  );
}
