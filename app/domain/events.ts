// Every event the database emits (emit_event in the SQL under supabase/), with
// what it means and which pages it concerns. The browser subscribes to exactly
// these; a test checks the list against the SQL and against docs/API.md, so a
// new event is added here, in the SQL that emits it and in the API doc.

/**
 * Who needs to look again when the event arrives: `everywhere` for events
 * every signed-in page shows (the navigation's approval count), `workspace`
 * for events that concern the pages of the workspace they belong to (none,
 * for an event without a workspace). Pages
 * outside a workspace (the overview, approvals, analytics) show a bit of
 * everything, so every event concerns them. `task` events concern only the
 * page of their own task (the session transcript, which changes often).
 */
export type EventReach = "everywhere" | "workspace" | "task";

export interface EventDefinition {
  /** One line: what happened. */
  meaning: string;
  reach: EventReach;
}

export const EVENTS = {
  "task.created": { meaning: "A task was created.", reach: "workspace" },
  "task.updated": { meaning: "A task changed: its fields, status, assignee, dispatch state, cost or alert.", reach: "workspace" },
  "task.deleted": { meaning: "A task was deleted (it can be restored for a while).", reach: "workspace" },
  "task.restored": { meaning: "A deleted task was restored by the undo of its delete.", reach: "workspace" },
  "activity.created": { meaning: "A line was added to a task's activity log.", reach: "workspace" },
  "deliverable.created": { meaning: "A deliverable was attached to a task.", reach: "workspace" },
  "agent.created": { meaning: "An agent was added to a workspace.", reach: "workspace" },
  "agent.updated": { meaning: "An agent changed: its profile, status, autonomy level or token.", reach: "workspace" },
  "agent.deleted": { meaning: "An agent was removed.", reach: "workspace" },
  "workspace.created": { meaning: "A workspace was created.", reach: "workspace" },
  "workspace.updated": { meaning: "A workspace was renamed or given a new icon.", reach: "workspace" },
  "workspace.deleted": { meaning: "A workspace was deleted.", reach: "workspace" },
  "approval.requested": { meaning: "An action is waiting for an approver.", reach: "everywhere" },
  "approval.resolved": { meaning: "An approval was decided: approved, denied, expired or cancelled.", reach: "everywhere" },
  "approval.escalated": {
    meaning: "An approval expired unanswered and was escalated to admins with a fresh expiry; it is still pending.",
    reach: "everywhere",
  },
  "usage.recorded": { meaning: "A run's token usage and cost were recorded, or replaced by a better report.", reach: "workspace" },
  "budget.warning": { meaning: "A budget's spend crossed 80% of a limit (sent once per budget, period and limit).", reach: "workspace" },
  "session.updated": {
    meaning:
      "Something happened in a task's agent session on the gateway (text, a tool call or result, the run's end); at most about one a second per session.",
    reach: "task",
  },
  "comment.created": { meaning: "A comment was posted on a task, by an operator or an agent.", reach: "task" },
  "comment.edited": { meaning: "A comment was edited by its author; its earlier text is kept.", reach: "task" },
  "comment.deleted": { meaning: "A comment was deleted by its author; a tombstone stays in the task's timeline.", reach: "task" },
  "comment.mentioned": { meaning: "A comment mentioned a user (payload: user_id, comment_id, task_id).", reach: "task" },
  "installation.stopped": {
    meaning: "An admin set the emergency stop: nothing is dispatched until it is lifted (the banner on every page shows it).",
    reach: "everywhere",
  },
  "gateway.created": {
    meaning: "An admin registered an OpenClaw gateway (payload: gateway_id, name; never its URL's secrets or its token); every instance connects to it.",
    reach: "everywhere",
  },
  "gateway.updated": { meaning: "A registered gateway's name, URL or token changed; every instance reconnects to it.", reach: "everywhere" },
  "gateway.deleted": { meaning: "A registered gateway was removed; every instance disconnects from it.", reach: "everywhere" },
  "heartbeat.completed": { meaning: "A heartbeat run was recorded (how many actions it took, how long); it belongs to no workspace.", reach: "workspace" },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENTS;

/** Every event type, in the order above. */
export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

/** Whether `type` is an event the database emits. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENTS, type);
}
