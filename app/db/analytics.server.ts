import type { AgentPage, AgentPerformance, AgentWork, CostOverview, CostSummary } from "#app/domain/analytics";
import type { Database } from "./types";

// The cost and analytics aggregates: each one SQL function, one round trip.

export const getCostSummary = (db: Database, workspaceId: string, days: number) =>
  db.rpc<CostSummary>("workspace_cost_summary", { p_workspace_id: workspaceId, p_days: days });

export const getCostOverview = (db: Database) => db.rpc<CostOverview>("cost_overview");

export const getAgentPerformance = (db: Database, workspaceId: string, days: number) =>
  db.rpc<AgentPerformance>("agent_performance", { p_workspace_id: workspaceId, p_days: days });

/** One agent's tasks (open first) and recent runs with their usage, for its page. */
export const getAgentWork = (db: Database, agentId: string, taskLimit = 50, runLimit = 20) =>
  db.rpc<AgentWork>("agent_work", { p_agent_id: agentId, p_task_limit: taskLimit, p_run_limit: runLimit });

/** Everything the agent page reads: its current runs, one page of its tasks with outcome, cycle time and cost, and its recent runs. */
export const getAgentPage = (db: Database, agentId: string, page: { limit: number; offset: number }, runLimit = 20) =>
  db.rpc<AgentPage>("agent_page", { p_agent_id: agentId, p_task_limit: page.limit, p_task_offset: page.offset, p_run_limit: runLimit });
