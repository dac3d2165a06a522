import { LABEL_LIMITS } from "./field-limits";

/**
 * Labels are short words a person puts on a task ("bug", "needs review").
 * One spelling each: trimmed, inner spaces single, lower case, so "Bug" and
 * "bug " are the same label. The SQL function task_labels() applies the same
 * rule to whatever reaches it.
 */
export function normaliseLabel(value: string): string {
  return value.trim().replace(/\s+/g, " ").toLowerCase();
}

/** Why a normalised label cannot be stored, or null. */
export function labelProblem(label: string): string | null {
  if (label.length === 0) return "A label cannot be empty";
  if (label.length > LABEL_LIMITS.length) return `A label is at most ${LABEL_LIMITS.length} characters`;
  // oxlint-disable-next-line no-control-regex
  if (/[,\u0000-\u001f\u007f]/.test(label)) return "A label cannot hold a comma or a control character";
  return null;
}

export type LabelsResult = { ok: true; labels: string[] } | { ok: false; message: string };

/** The labels field as typed: comma-separated, each normalised, each once, in the order typed. */
export function parseLabels(input: string): LabelsResult {
  const labels: string[] = [];
  for (const part of input.split(",")) {
    const label = normaliseLabel(part);
    if (label === "") continue;
    const problem = labelProblem(label);
    if (problem) return { ok: false, message: `${problem}: "${label.slice(0, 40)}"` };
    if (!labels.includes(label)) labels.push(label);
  }
  if (labels.length > LABEL_LIMITS.perTask) return { ok: false, message: `At most ${LABEL_LIMITS.perTask} labels` };
  return { ok: true, labels };
}

/** The labels as the form's text input holds them. */
export function labelsInputValue(labels: readonly string[]): string {
  return labels.join(", ");
}
