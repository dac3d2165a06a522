import type { Actor } from "./actor";
import type { Database } from "./types";

// Typed calls for planning mode: the agent's questions, the operator's
// answers, and the spec that ends planning (stored and assigned in one transaction).

export interface PlanningQuestion {
  id: string;
  question: string;
  options: string[];
  answer: string | null;
  answered_at: string | null;
  created_at: string;
}

export interface PlanningState {
  task_id: string;
  status: string;
  session_key: string | null;
  run_id: string | null;
  spec: unknown;
  openclaw_agent_id: string | null;
  questions: PlanningQuestion[];
}

export const getPlanningState = (db: Database, taskId: string) => db.rpc<PlanningState | null>("planning_state", { p_task_id: taskId });

export const recordPlanningRun = (db: Database, taskId: string, runId: string, sessionKey: string) =>
  db.rpc("record_planning_run", { p_task_id: taskId, p_run_id: runId, p_session_key: sessionKey });

export const addPlanningQuestion = (db: Database, taskId: string, runId: string, question: { question: string; options: string[] }) =>
  db.rpc("add_planning_question", { p_task_id: taskId, p_run_id: runId, p_question: question.question, p_options: question.options });

export const recordPlanningAnswer = (db: Database, taskId: string, questionId: string, answer: string, actor: Actor) =>
  db.rpc("answer_planning_question", { p_task_id: taskId, p_question_id: questionId, p_answer: answer, p_actor: actor });

export const finishPlanning = (db: Database, taskId: string, runId: string, spec: unknown) =>
  db.rpc<{ changed: boolean }>("finish_planning", { p_task_id: taskId, p_run_id: runId, p_spec: spec });

export const cancelPlanning = (db: Database, taskId: string, actor: Actor) => db.rpc("cancel_planning", { p_task_id: taskId, p_actor: actor });
