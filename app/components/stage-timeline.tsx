import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { StageRun } from "#app/db/pipelines.server";
import type { TaskPipeline } from "#app/db/tasks.server";
import { StageChips } from "./stage-chips";
import { formatUsd } from "#app/domain/money";
import { Time } from "./time";
import { SubmitButton } from "./submit-button";

/** The task's way through its pipeline: one row per stage run, with its usage. */
export function StageTimeline(props: { pipeline: TaskPipeline; runs: StageRun[]; canAdvance: boolean; now: Date; pipelineHref: string }) {
  const { pipeline, runs, canAdvance, now, pipelineHref } = props;
  return (
    <section className="panel panel-wide" aria-labelledby="stages-h">
      <h2 id="stages-h">
        Pipeline <a href={pipelineHref}>{pipeline.name}</a>
      </h2>
      <StageChips pipeline={pipeline} />
      <div className="table-scroll" tabIndex={0}>
        <table className="table stack stage-runs">
          <thead>
            <tr>
              <th>Stage</th>
              <th>Agent</th>
              <th>Started</th>
              <th>Finished</th>
              <th>Advanced by</th>
              <th>Tokens</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-stage={r.position}>
                <td data-label="Stage">
                  {r.position}. {r.stage_name}
                </td>
                <td data-label="Agent">{r.agent?.name ?? "—"}</td>
                <td data-label="Started">
                  <Time value={r.started_at} now={now} />
                </td>
                <td data-label="Finished">{r.finished_at ? <Time value={r.finished_at} now={now} /> : "running"}</td>
                <td data-label="Advanced by">{r.advanced_by ? `${r.advanced_by.name || r.advanced_by.type} (${r.advanced_by.type})` : "—"}</td>
                <td data-label="Tokens">{r.tokens.toLocaleString("en")}</td>
                <td data-label="Cost">{formatUsd(r.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canAdvance ? (
        <Form method="post" className="button-row">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="advance" />
          <SubmitButton className="btn btn-primary">Advance to the next stage</SubmitButton>
          <span className="muted">Gated stages ask an approver first (human in the loop) or open a veto window (human on the loop).</span>
        </Form>
      ) : null}
    </section>
  );
}
