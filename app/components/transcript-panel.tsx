import { useId } from "react";
import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { STEER_MESSAGE_MAX_CHARS } from "#app/domain/input-limits";
import { formatUsd, formatUsdExact } from "#app/domain/money";
import { TRANSCRIPT_PAGE_SIZE, type ClippedText, type TaskTranscript, type TranscriptEntry, type TranscriptUsage } from "#app/domain/transcript";
import type { ExecRequest } from "#app/db/governance.server";
import { FormError } from "./field";
import { commandOutcome } from "./task-commands";
import { SubmitButton } from "./submit-button";
import { Time } from "./time";

// The task's agent session as it happens (decision 036) and the form that
// steers it (decision 037). Everything the agent or its tools wrote is
// rendered as React text, never as HTML; long outputs fold into <details>,
// which opens without JavaScript. With JavaScript on, the page revalidates
// on the session's live events, so new entries appear as they land.

const n = (v: number) => v.toLocaleString("en-US");

const STATE_WORDS: Record<Exclude<TaskTranscript["state"], "ok">, string> = {
  no_session: "No agent session yet: the transcript appears here once the task is dispatched.",
  disabled: "No OpenClaw gateway is configured, so the agent's session cannot be shown.",
  disconnected: "The OpenClaw gateway is disconnected: the agent's session cannot be shown right now. Reload once it is back.",
  unavailable: "The gateway did not hand over the session's transcript. Reload to try again.",
};

/** Text that may be long: its start, and the whole behind "Show all". */
function Clipped({ text, className }: { text: ClippedText; className?: string }) {
  if (!text.long) return <pre className={className}>{text.full}</pre>;
  return (
    <details className="clip">
      <summary>
        <span className={`clip-preview ${className ?? ""}`}>{text.preview}</span>
        <span className="clip-more">{`Show all ${n(text.full.length)} characters`}</span>
      </summary>
      <pre className={className}>{text.full}</pre>
      {text.cut ? <p className="muted">Cut here: the rest is in the gateway's own transcript.</p> : null}
    </details>
  );
}

/** Mission Control's decision on a command, beside the tool call it came from (exec approvals, decision 043). */
function ExecDecision({ command }: { command: ExecRequest }) {
  const o = commandOutcome(command);
  return (
    <p className="transcript-exec" data-testid="transcript-exec-decision" data-exec-decision={command.id}>
      Mission Control: <span className={`status status-${o.tone}`}>{o.label}</span>
      {command.decision_reason ? ` · ${command.decision_reason}` : null}
      {command.decision === null ? (
        <>
          {" · "}
          <a href="#approvals">decide</a>
        </>
      ) : null}
    </p>
  );
}

function Entry({ entry, now, commands }: { entry: TranscriptEntry; now: Date; commands: ReadonlyMap<string, ExecRequest> }) {
  const when = entry.at ? <Time value={entry.at} now={now} /> : null;
  switch (entry.kind) {
    case "prompt":
      return (
        <li className="transcript-entry transcript-prompt" data-kind="prompt">
          <p className="transcript-who">
            <span>Sent to the agent</span> {when}
          </p>
          <Clipped text={entry.text} className="transcript-text" />
        </li>
      );
    case "assistant":
      return (
        <li className={`transcript-entry transcript-assistant${entry.error ? " transcript-error" : ""}`} data-kind="assistant">
          <p className="transcript-who">
            <span>Agent</span> {when}
            {entry.model ? <span className="muted"> · {entry.model}</span> : null}
          </p>
          {entry.text !== null ? <p className="transcript-text">{entry.text}</p> : null}
          {entry.toolCalls.map((call, i) => (
            <div key={call.id ?? i} className="transcript-tool" data-kind="tool-call">
              <p className="transcript-tool-head">
                Tool call <code>{call.name}</code>
              </p>
              <Clipped text={call.args} className="transcript-code" />
              {call.id && commands.has(call.id) ? <ExecDecision command={commands.get(call.id)!} /> : null}
            </div>
          ))}
          {entry.error ? (
            <p className="alert-text" data-testid="transcript-error">
              {entry.error}
            </p>
          ) : null}
        </li>
      );
    case "tool_result":
      return (
        <li className={`transcript-entry transcript-result${entry.isError ? " transcript-error" : ""}`} data-kind="tool-result">
          <p className="transcript-who">
            <span>
              {entry.isError ? "Tool failed" : "Tool result"} <code>{entry.toolName}</code>
            </span>{" "}
            {when}
          </p>
          <Clipped text={entry.output} className="transcript-code" />
        </li>
      );
    case "note":
      return (
        <li className="transcript-entry transcript-note" data-kind="note">
          <p className="transcript-who">
            <span>{entry.role}</span> {when}
          </p>
          <p className="transcript-text muted">{entry.text}</p>
        </li>
      );
  }
}

function UsageLine({ usage }: { usage: TranscriptUsage }) {
  return (
    <p className="transcript-usage" data-testid="transcript-usage">
      <span className="muted">{usage.partial ? "This run so far (messages on this page):" : "This run so far:"}</span>{" "}
      <strong>{n(usage.input_tokens + usage.output_tokens + usage.cache_read_tokens + usage.cache_write_tokens)}</strong> tokens ({n(usage.input_tokens)} in,{" "}
      {n(usage.output_tokens)} out{usage.cache_read_tokens > 0 ? `, ${n(usage.cache_read_tokens)} cached` : ""})
      {usage.cost_usd !== null ? (
        <>
          {" · "}
          <strong title={formatUsdExact(usage.cost_usd)}>{formatUsd(usage.cost_usd)}</strong>
        </>
      ) : null}
      {usage.model ? <span className="muted"> · {usage.model}</span> : null}
    </p>
  );
}

export interface SteerFormState {
  /** The form is offered (an operator or above, on a task whose session takes messages). */
  show: boolean;
  /** Why the last send failed, and what was typed. */
  error?: string;
  fieldError?: string;
  value?: string;
  /** Changes after each send, so the box starts empty again. */
  resetKey: string;
}

export function TranscriptPanel(props: {
  transcript: TaskTranscript;
  base: string;
  now: Date;
  steer: SteerFormState;
  /** Exec approvals of this task waiting for a decision: the slot where the run is held (they are decided under "Waiting for approval"). */
  pendingExecApprovals?: number;
  /** The task's commands (exec approvals): each decision shows beside its tool call. */
  commands?: readonly ExecRequest[];
}) {
  const { transcript, base, now, steer, pendingExecApprovals = 0, commands = [] } = props;
  const byToolCall = new Map(commands.filter((c) => c.tool_call_id).map((c) => [c.tool_call_id!, c]));
  const page = transcript.state === "ok" ? transcript.page : null;
  const pageLink = (offset: number) => (offset === 0 ? `${base}#transcript` : `${base}?transcript_before=${offset}#transcript`);
  const boxId = useId();
  const hintId = `${boxId}-hint`;
  const errorId = `${boxId}-error`;
  return (
    <section className="panel panel-wide transcript-panel" id="transcript" aria-labelledby="transcript-heading">
      <h2 id="transcript-heading">
        Agent session{" "}
        {page?.active ? (
          <span className="badge badge-running" data-testid="transcript-running">
            Running
          </span>
        ) : null}
      </h2>
      {pendingExecApprovals > 0 ? (
        <p className="alert-text" data-testid="transcript-exec-pending">
          <a href="#approvals">{pendingExecApprovals === 1 ? "A command waits for a decision" : `${pendingExecApprovals} commands wait for a decision`}</a>: the
          agent is held until it is decided.
        </p>
      ) : null}
      {transcript.state !== "ok" ? (
        <p className="muted" data-testid="transcript-state" data-state={transcript.state}>
          {STATE_WORDS[transcript.state]}
          {transcript.state === "unavailable" ? ` (${transcript.reason})` : ""}
        </p>
      ) : null}
      {page?.usage ? <UsageLine usage={page.usage} /> : null}
      {page && page.olderOffset !== null ? (
        <p className="transcript-pager">
          <a href={pageLink(page.olderOffset)} data-testid="transcript-older">
            Older messages
          </a>
        </p>
      ) : null}
      {page ? (
        page.entries.length === 0 ? (
          <p className="muted" data-testid="transcript-empty">
            Nothing in the session yet.
          </p>
        ) : (
          <ol className="transcript" data-testid="transcript">
            {page.entries.map((entry) => (
              <Entry key={entry.key} entry={entry} now={now} commands={byToolCall} />
            ))}
          </ol>
        )
      ) : null}
      {page && page.newerOffset !== null ? (
        <p className="transcript-pager">
          <a href={pageLink(page.newerOffset)} data-testid="transcript-newer">
            Newer messages
          </a>{" "}
          · <a href={pageLink(0)}>Latest</a>
        </p>
      ) : null}
      {page ? (
        <p className="muted transcript-foot">
          {`${page.total !== null ? `${n(page.total)} messages in the session; ` : ""}${TRANSCRIPT_PAGE_SIZE} a page. Live while this page is open with JavaScript on; otherwise reload to update.`}
        </p>
      ) : null}
      {steer.show ? (
        <Form method="post" className="steer-form" key={steer.resetKey} aria-label="Steer the run">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="steer" />
          <label htmlFor={boxId}>Message the agent</label>
          <textarea
            id={boxId}
            name="message"
            rows={3}
            required
            maxLength={STEER_MESSAGE_MAX_CHARS}
            defaultValue={steer.value}
            aria-invalid={steer.fieldError ? true : undefined}
            aria-describedby={[hintId, steer.fieldError ? errorId : null].filter(Boolean).join(" ")}
          />
          <p className="field-hint" id={hintId}>
            {`Goes into the agent's session: queued behind a run that is going, or starting a turn. Up to ${n(STEER_MESSAGE_MAX_CHARS)} characters; kept in the activity with your name.`}
          </p>
          {steer.fieldError ? (
            <p className="field-error" id={errorId}>
              {steer.fieldError}
            </p>
          ) : null}
          {steer.error && steer.error !== steer.fieldError ? <FormError message={steer.error} /> : null}
          <SubmitButton className="btn btn-primary" pendingLabel="Sending…">
            Send to agent
          </SubmitButton>
        </Form>
      ) : null}
    </section>
  );
}
