// What an agent's final reply means. Agents are told to end with one of:
//   TASK_COMPLETE: <summary>
//   PLANNING_QUESTION: {"question": "…", "options": ["…", "…"]}
//   PLANNING_SPEC: {"spec": "…", …}
// The marker may follow other text; the last marker in the reply wins.

import { COLUMN_LIMITS, INPUT_LIMITS } from "./field-limits";

export type AgentReply =
  | { kind: "complete"; summary: string }
  | { kind: "question"; question: string; options: string[] }
  | { kind: "spec"; spec: Record<string, unknown> }
  | { kind: "other"; text: string };

const MARKER = /(TASK_COMPLETE|PLANNING_QUESTION|PLANNING_SPEC):/g;

export function parseAgentReply(text: string | null | undefined): AgentReply {
  const reply = (text ?? "").trim();
  let last: RegExpExecArray | null = null;
  for (const match of reply.matchAll(MARKER)) last = match;
  if (!last) return { kind: "other", text: reply };
  const rest = reply.slice(last.index + last[0].length).trim();
  switch (last[1]) {
    case "TASK_COMPLETE":
      return { kind: "complete", summary: rest.slice(0, COLUMN_LIMITS.task_activities.message) };
    case "PLANNING_QUESTION": {
      const json = parseJsonObject(rest);
      const question = typeof json?.question === "string" ? json.question.trim() : "";
      const options = Array.isArray(json?.options)
        ? json.options.filter((o): o is string => typeof o === "string" && o.trim() !== "").map((o) => o.trim().slice(0, INPUT_LIMITS.planningOption))
        : [];
      if (!question) return { kind: "other", text: reply };
      return { kind: "question", question: question.slice(0, COLUMN_LIMITS.planning_questions.question), options: options.slice(0, 12) };
    }
    default: {
      const json = parseJsonObject(rest);
      return json ? { kind: "spec", spec: json } : { kind: "spec", spec: { spec: rest.slice(0, 20_000) } };
    }
  }
}

/** The first balanced JSON object in the text (agents wrap it in prose or fences). */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  const start = text.indexOf("{");
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      try {
        const value = JSON.parse(text.slice(start, i + 1)) as unknown;
        return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
