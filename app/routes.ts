import { type RouteConfig, index, layout, prefix, route } from "@react-router/dev/routes";

export default [
  // Browser pages: CSRF-protected forms, operator session.
  layout("routes/ui-layout.tsx", [
    route("setup", "routes/setup.tsx"),
    route("login", "routes/login.tsx"),
    route("logout", "routes/logout.tsx"),
    route("theme", "routes/theme.tsx"),
    layout("routes/app-layout.tsx", [
      index("routes/workspaces.tsx"),
      route("heartbeat", "routes/heartbeat.tsx"),
      route("stop", "routes/stop-controls.tsx"),
      route("settings", "routes/user-settings.tsx"),
      route("approvals", "routes/approvals.tsx"),
      route("costs", "routes/costs-overview.tsx"),
      route("admin/users", "routes/admin-users.tsx"),
      route("admin/audit", "routes/admin-audit.tsx"),
      route("admin/task-types", "routes/admin-task-types.tsx"),
      route("admin/prices", "routes/admin-prices.tsx"),
      route("admin/audit/export", "routes/admin-audit-export.ts"),
      ...prefix("w/:slug", [
        layout("routes/workspace-layout.tsx", [
          index("routes/board.tsx"),
          route("search.json", "routes/task-search.ts"),
          route("tasks/new", "routes/task-new.tsx"),
          route("tasks/:taskId", "routes/task-detail.tsx"),
          route("tasks/:taskId/files/*", "routes/task-file.ts"),
          route("tasks/:taskId/reveal", "routes/task-file-reveal.ts"),
          route("feed", "routes/feed.tsx"),
          route("costs", "routes/costs.tsx"),
          route("analytics", "routes/analytics.tsx"),
          route("agents", "routes/agents.tsx"),
          route("agents/:agentId", "routes/agent-detail.tsx"),
          route("pipelines", "routes/pipelines.tsx"),
          route("pipelines/:pipelineId", "routes/pipeline-detail.tsx"),
          route("settings", "routes/workspace-settings.tsx"),
        ]),
      ]),
      // Unknown pages are a 404 inside the app's header (signed-out visitors sign in first).
      route("*", "routes/not-found.tsx"),
    ]),
  ]),
  // Machine endpoints: token or session auth, JSON errors, no CSRF (no cookie forms).
  route("api/health", "routes/api/health.ts"),
  route("api/metrics", "routes/api/metrics.ts"),
  route("api/heartbeat", "routes/api/heartbeat.ts"),
  route("api/webhooks/agent-completion", "routes/api/webhooks/agent-completion.ts"),
  ...prefix("api/agent", [
    route("tasks", "routes/api/agent/tasks.ts"),
    route("tasks/:taskId", "routes/api/agent/task.ts"),
    route("tasks/:taskId/activities", "routes/api/agent/activities.ts"),
    route("tasks/:taskId/deliverables", "routes/api/agent/deliverables.ts"),
    route("tasks/:taskId/files", "routes/api/agent/files.ts"),
    route("tasks/:taskId/files/*", "routes/api/agent/file.ts"),
    route("tasks/:taskId/usage", "routes/api/agent/usage.ts"),
    route("tasks/:taskId/dependencies", "routes/api/agent/dependencies.ts"),
    route("tasks/:taskId/subtasks", "routes/api/agent/subtasks.ts"),
    route("approvals", "routes/api/agent/approvals.ts"),
    route("approvals/:approvalId", "routes/api/agent/approval.ts"),
  ]),
  route("api/events/stream", "routes/api/events-stream.ts"),
  route("api/*", "routes/not-found.tsx", { id: "routes/api-not-found" }),
] satisfies RouteConfig;
