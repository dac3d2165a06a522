import { useState } from "react";
import { useHydrated } from "remix-utils/use-hydrated";

/**
 * A freshly issued agent token, shown once. The token is plain selectable
 * text (a click selects all of it), so it can be copied without a script; the
 * Copy button needs one and appears only once the page runs.
 */
export function TokenReveal({ token, agentName }: { token: string; agentName: string }) {
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
      <h2>API token for {agentName}</h2>
      <p>Copy it now: it is stored hashed and will not be shown again.</p>
      <pre className="token" data-testid="agent-token">
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
        Agents send it as <code>Authorization: Bearer …</code>.
      </p>
    </section>
  );
}
