// How long each text field may be, in one table: the zod schemas, the forms'
// `maxLength` and the server's own truncations read it from here, and an
// integration test checks it against the column checks of a migrated database,
// so the browser, the schema and the table refuse the same input.
//
// Lengths are characters as `maxLength` and zod count them (UTF-16 code
// units). PostgreSQL's char_length counts code points, which are never more,
// so text that passes here always fits the column.

/**
 * The longest value of each stored column that input reaches, by table and
 * column: each is the `char_length(...) <= N` check on that column.
 */
export const COLUMN_LIMITS = {
  workspaces: { name: 80, icon: 8 },
  users: { name: 80, email: 254, time_zone: 64 },
  sessions: { user_agent: 400 },
  agents: { name: 80, role: 200, emoji: 8, model: 200 },
  tasks: { title: 500, description: 10_000, session_key: 200 },
  task_activities: { message: 10_000 },
  task_deliverables: { title: 500, path: 1000, url: 2000, description: 10_000 },
  usage_records: { model: 200 },
  webhook_deliveries: { delivery_id: 200 },
  approvals: { comment: 2000, target: 500, reason: 2000 },
  planning_questions: { question: 2000, answer: 2000 },
  pipelines: { name: 80, description: 2000 },
  pipeline_stages: { name: 80 },
  installation_controls: { emergency_stop_reason: 500 },
  task_types: { name: 80 },
  model_prices: { model: 200, note: 500 },
  saved_views: { name: 60, query: 2000 },
  task_dependencies: { created_by_name: 200 },
  task_comments: { body: 10_000 },
  task_templates: { name: 80, title: 500, description: 10_000 },
  routines: { name: 80, schedule: 100, time_zone: 64 },
  api_keys: { name: 80, hint: 16 },
  push_subscriptions: { endpoint: 2048, p256dh: 200, auth: 100, user_agent: 200 },
  notification_channels: { name: 80, target: 2000, secret: 200 },
  github_integrations: { repository: 140, webhook_secret: 200, token: 400 },
  github_issue_links: { issue_url: 500 },
  gateways: { name: 80, url: 2000 },
  exec_requests: {
    gateway_request_id: 200,
    command: 20_000,
    cwd: 4000,
    host: 200,
    session_key: 500,
    gateway_agent_id: 200,
    run_id: 200,
    tool_call_id: 200,
    gate_by: 100,
    decision_reason: 2000,
    resolve_error: 2000,
  },
} as const satisfies Record<string, Record<string, number>>;

/**
 * A task's labels (tasks.labels, a text array): how many a task carries and
 * how long each is. The SQL function task_labels() refuses the same.
 */
export const LABEL_LIMITS = { perTask: 10, length: 32 } as const;

/**
 * A task type's exec allowlist (task_types.exec_allowlist, a text array): how
 * many command patterns it holds and how long each is. update_task_type refuses the same.
 */
export const EXEC_ALLOWLIST_LIMITS = { perType: 50, length: 200 } as const;

/** A saved view's name (saved_views.name) and the query string it keeps (saved_views.query). */
export const SAVED_VIEW_LIMITS = { ...COLUMN_LIMITS.saved_views, perUser: 30 } as const;

/** Limits on input that is never stored as it was sent (hashed, looked up, or a key inside JSON). */
export const INPUT_LIMITS = {
  /** Hashed before it is stored; the limit bounds the work of hashing. */
  password: 200,
  /** A setup link's token, looked up by its hash. */
  setupToken: 200,
  /** Where to go after signing in: a path inside the app. */
  redirectTo: 500,
  /** The page a form goes back to: a path with its query string (a board link with filters). */
  returnTo: 2500,
  /** A task named in a link form: its id, or its page's address pasted from the browser. */
  taskReference: 2500,
  /** One answer an agent offers to a planning question (the operator picks one). */
  planningOption: 300,
  /** An agent's idempotency key for a usage report. */
  usageRunId: 200,
  /** A key of an activity's metadata object. */
  metadataKey: 100,
  /** The task form's labels field as typed: up to 10 labels of 32 characters, comma-separated. */
  labelsField: 400,
  /** A key of an approval request's arguments. */
  actionArgKey: 200,
  /** The command palette's task search text. */
  taskSearch: 200,
  /** A workspace's allowed hosts for URL deliverables: how many, and a host name's longest form. */
  allowedHosts: 100,
  hostName: 254,
  /** An OpenClaw gateway's token as typed: stored encrypted (gateways.token_ciphertext), never shown again. */
  gatewayToken: 1000,
  /** The @mentions one comment may make (each a handle, at most an e-mail address long). */
  commentMentions: 20,
  mentionHandle: 254,
  /** A time of day typed as HH:MM (quiet hours). */
  clockTime: 5,
  /** The GitHub settings' label map as typed: "label = task type key", one a line. */
  labelTypesField: 4000,
  /** How many labels the map may name. */
  labelTypes: 50,
  /** An issue's title, body and labels as GitHub sends them (longer than a task takes: they are cut to fit). */
  githubIssueTitle: 1024,
  githubIssueBody: 262_144,
  githubLabel: 100,
  githubLabels: 100,
} as const;

/** The form message for text over its limit: "At most 2,000 characters". */
export function atMost(max: number): string {
  return `At most ${max.toLocaleString("en-US")} characters`;
}
