/** An approval's arguments as a list of names and values, nested objects indented; never raw JSON. */
export function ApprovalArgs({ args }: { args: Record<string, unknown> }) {
  const entries = Object.entries(args);
  if (entries.length === 0) return <p className="muted">No arguments.</p>;
  return <ArgList entries={entries} />;
}

function ArgList({ entries }: { entries: Array<[string, unknown]> }) {
  return (
    <dl className="arg-list">
      {entries.map(([key, value]) => (
        <div key={key} className="arg">
          <dt>{key.replaceAll("_", " ")}</dt>
          <dd>{renderValue(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function renderValue(value: unknown) {
  if (value === null || value === undefined) return <span className="muted">none</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    if (value.every((v) => typeof v !== "object" || v === null)) return value.map(String).join(", ");
    return (
      <ol className="arg-items">
        {value.map((v, i) => (
          <li key={i}>{renderValue(v)}</li>
        ))}
      </ol>
    );
  }
  if (typeof value === "object") return <ArgList entries={Object.entries(value as Record<string, unknown>)} />;
  if (typeof value === "boolean") return value ? "yes" : "no";
  return <span className="arg-text">{String(value)}</span>;
}
