/** A freshly issued agent token, shown once. */
export function TokenReveal({ token, agentName }: { token: string; agentName: string }) {
  return (
    <section className="token-reveal" role="status">
      <h2>API token for {agentName}</h2>
      <p>Copy it now: it is stored hashed and will not be shown again.</p>
      <pre className="token" data-testid="agent-token">
        <code>{token}</code>
      </pre>
      <p className="muted">Agents send it as <code>Authorization: Bearer …</code>.</p>
    </section>
  );
}
