// Kept apart from the agent form schema (zod): the agent form renders these in the browser.
export const AGENT_STATUSES = ["standby", "working", "offline"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
