import { Form } from "react-router";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { COLUMN_LIMITS } from "#app/domain/field-limits";
import { OTHER } from "#app/domain/planning";
import { SubmitButton } from "./submit-button";

interface Question {
  id: string;
  question: string;
  options: string[];
  answer: string | null;
}

/** Planning Q&A: the agent's multiple-choice questions, answered with plain forms. */
export function PlanningPanel(props: { questions: Question[]; spec: unknown; hasAgent: boolean; running: boolean; errors: Record<string, string> }) {
  const { questions, spec, hasAgent, running, errors } = props;
  const open = questions.find((q) => q.answer === null);
  return (
    <section className="panel planning" aria-labelledby="planning-h">
      <h2 id="planning-h">Planning</h2>
      {questions.length === 0 && !running ? (
        <Form method="post">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="start-planning" />
          <p className="muted">
            {hasAgent ? "The assigned agent will ask you questions until it can write a spec." : "Assign an agent with an OpenClaw id first."}
          </p>
          <SubmitButton className="btn btn-primary" disabled={!hasAgent}>
            Start planning
          </SubmitButton>
        </Form>
      ) : null}
      <ol className="qa">
        {questions.map((q) => (
          <li key={q.id}>
            <p className="q">{q.question}</p>
            {q.answer !== null ? <p className="a">→ {q.answer}</p> : null}
          </li>
        ))}
      </ol>
      {open ? (
        <Form method="post" className="answer-form">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="answer" />
          <input type="hidden" name="question_id" value={open.id} />
          <fieldset>
            <legend>{open.question}</legend>
            {open.options.map((option, i) => (
              <label key={option} className="choice">
                <input type="radio" name="choice" value={option} defaultChecked={i === 0} /> {option}
              </label>
            ))}
            <label className="choice">
              <input type="radio" name="choice" value={OTHER} defaultChecked={open.options.length === 0} /> Other
            </label>
            <input
              type="text"
              name="other"
              aria-label="Your own answer"
              placeholder="Your own answer"
              maxLength={COLUMN_LIMITS.planning_questions.answer}
              aria-invalid={errors.other ? true : undefined}
            />
            {errors.other ? <p className="field-error">{errors.other}</p> : null}
          </fieldset>
          <SubmitButton className="btn btn-primary">Send answer</SubmitButton>
        </Form>
      ) : running && questions.length > 0 ? (
        <p className="muted">Waiting for the agent…</p>
      ) : null}
      {spec ? <pre className="spec">{JSON.stringify(spec, null, 2)}</pre> : null}
      <Form method="post">
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value="cancel-planning" />
        <SubmitButton className="btn btn-ghost btn-small">Cancel planning (back to inbox)</SubmitButton>
      </Form>
    </section>
  );
}
