// The message that hands a task to an agent: everything it needs to work and
// to report back, and the token it must use (a task-scoped agent token, never
// the operator's API token).

export interface DispatchTask {
  id: string;
  title: string;
  description: string;
  priority: string;
  due_at: string | null;
  planning_spec: unknown;
  /** The pipeline and current stage, for a task on one. */
  pipeline?: { name: string; position: number; stages: Array<{ position: number; name: string }> } | null;
  /** Files an operator attached to the task, in its folder. */
  uploads?: Array<{ path: string; size_bytes: number; uploaded_by_name: string }>;
  /** Comments that mention the agent and were queued for this dispatch (decision 045). */
  comments?: Array<{ comment_id: string; author_name: string; body: string }>;
}

export interface DispatchContext {
  baseUrl: string;
  agentToken: string;
}

/** Stable per dispatch cycle: a retry after a crash re-sends the same key, so the gateway never starts a twin run. */
export function dispatchIdempotencyKey(taskId: string, dispatchCount: number): string {
  return `mc-task-${taskId}-dispatch-${dispatchCount + 1}`;
}

export function callbackUrls(baseUrl: string, taskId: string) {
  const api = `${baseUrl}/api/agent/tasks/${taskId}`;
  return {
    task: api,
    activities: `${api}/activities`,
    deliverables: `${api}/deliverables`,
    files: `${api}/files`,
    comments: `${api}/comments`,
    usage: `${api}/usage`,
    status: api,
    approvals: `${baseUrl}/api/agent/approvals`,
    webhook: `${baseUrl}/api/webhooks/agent-completion`,
    mcp: `${baseUrl}/api/mcp`,
  };
}

export function buildDispatchMessage(task: DispatchTask, ctx: DispatchContext): string {
  const urls = callbackUrls(ctx.baseUrl, task.id);
  const lines = [
    `You have been assigned a task by Mission Control.`,
    ``,
    `TASK: ${task.title}`,
    `Task id: ${task.id}`,
    `Priority: ${task.priority}`,
    `Due: ${task.due_at ? task.due_at.slice(0, 10) : "no due date"}`,
    ``,
    `Description:`,
    task.description.trim() || "(none)",
  ];
  if (task.pipeline) {
    const { name, position, stages } = task.pipeline;
    const stage = stages.find((s) => s.position === position);
    lines.push(
      ``,
      `Pipeline: ${name}, stage ${position} of ${stages.length}${stage ? ` (${stage.name})` : ""}.`,
      `Do this stage's part only; Mission Control hands the task to the next stage when you finish.`,
    );
  }
  if (task.uploads && task.uploads.length > 0) {
    lines.push(``, `Files attached by the operator (download each with the Authorization header below):`);
    for (const u of task.uploads) {
      lines.push(
        `- ${u.path} (${u.size_bytes} bytes${u.uploaded_by_name ? `, from ${u.uploaded_by_name}` : ""}): GET ${urls.files}/${encodeURIComponent(u.path)}`,
      );
    }
  }
  if (task.comments && task.comments.length > 0) {
    lines.push(``, `Comments that mention you (answer one with a comment whose in_reply_to is its id):`);
    for (const c of task.comments) lines.push(``, `Comment ${c.comment_id} from ${c.author_name || "an operator"}:`, c.body);
  }
  if (task.planning_spec) {
    lines.push(``, `Agreed spec from planning:`, JSON.stringify(task.planning_spec, null, 2));
  }
  lines.push(
    ``,
    `Report back to Mission Control over HTTP with this header on every call:`,
    `  Authorization: Bearer ${ctx.agentToken}`,
    `- Progress notes: POST ${urls.activities}  {"type":"progress","message":"…"}`,
    `- Deliverables:   POST ${urls.deliverables}  {"type":"file"|"url"|"artifact","title":"…","path"?:"…","url"?:"…"}`,
    `- Files:          POST ${urls.files}  (multipart form, field "file")`,
    `- Comments:       POST ${urls.comments}  {"body":"…","in_reply_to"?:"<comment id>"}  (Markdown; @name mentions a user or an agent)`,
    `- Token usage:    POST ${urls.usage}  {"model":"…","input_tokens":0,"output_tokens":0,"cost_usd"?:0}  (once, the run's total; the gateway's own measurement of the run counts over it)`,
    `- Risky actions:  POST ${urls.approvals}  {"task_id":"${task.id}","action":"…","args":{},"target":"…","reason":"…"} and wait until GET …/approvals/<id> says approved`,
    `- Finished:       PATCH ${urls.status}  {"status":"review","summary":"…"}  (add every deliverable and file first: from review on they cannot change)`,
    `- MCP clients:    the same calls (but file uploads) are tools of the MCP server at ${urls.mcp} (Streamable HTTP, the same Authorization header)`,
    ``,
    `When you are done, end your final reply with a line: TASK_COMPLETE: <one-paragraph summary>`,
  );
  return lines.join("\n");
}

export function buildPlanningMessage(task: DispatchTask): string {
  return [
    `Mission Control asks you to plan a task before any work starts.`,
    ``,
    `TASK: ${task.title}`,
    `Task id: ${task.id}`,
    ``,
    `Description:`,
    task.description.trim() || "(none)",
    ``,
    `Ask the operator one multiple-choice question at a time until you can write a spec. To ask, end your reply with:`,
    `PLANNING_QUESTION: {"question":"…","options":["…","…","…"]}`,
    `(the operator may also answer in their own words). When you have enough, end your reply with:`,
    `PLANNING_SPEC: {"spec":"…","acceptance":["…"]}`,
    `Do not start the work itself yet.`,
  ].join("\n");
}

export function buildStallNudge(minutes: number): string {
  return `Mission Control has seen no activity on this task for ${minutes} minutes. Post a progress note, or finish with TASK_COMPLETE: <summary> if you are done.`;
}
