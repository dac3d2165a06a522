-- Planning: the Q&A between an operator and the planning agent before a task
-- is dispatched.
--
-- Applied by the runner after supabase/migrations, in file order, whenever
-- this file changes (app/db/migrations.server.ts); every statement is
-- `create or replace`, so applying it again is harmless. A language sql
-- function may call only functions defined above it or in an earlier file.

create or replace function planning_state(p_task_id uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'task_id', t.id, 'status', t.status, 'session_key', t.session_key, 'run_id', t.current_run_id,
    'spec', t.planning_spec, 'openclaw_agent_id', a.openclaw_agent_id,
    'questions', (select coalesce(jsonb_agg(jsonb_build_object('id', q.id, 'question', q.question, 'options', q.options,
                                   'answer', q.answer, 'answered_at', q.answered_at, 'created_at', q.created_at) order by q.created_at), '[]'::jsonb)
                  from planning_questions q where q.task_id = t.id))
  from tasks t left join agents a on a.id = t.assigned_agent_id
  where t.id = p_task_id
$$;

-- Records the run that plans (or answers into) the task's session.
create or replace function record_planning_run(p_task_id uuid, p_run_id text, p_session_key text) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  update tasks set current_run_id = p_run_id, session_key = p_session_key, last_activity_at = now()
  where id = p_task_id and status = 'planning' returning * into v_task;
  if not found then
    perform raise_app_error('conflict', 'The task is no longer in planning.');
  end if;
  return jsonb_build_object('id', p_task_id, 'run_id', p_run_id);
end $$;

create or replace function add_planning_question(p_task_id uuid, p_run_id text, p_question text, p_options jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
  v_id uuid;
begin
  select * into v_task from tasks where id = p_task_id and status = 'planning' for update;
  if not found or v_task.current_run_id is distinct from p_run_id then
    return jsonb_build_object('added', false);
  end if;
  insert into planning_questions (task_id, question, options) values (p_task_id, left(p_question, 2000), coalesce(p_options, '[]'::jsonb))
  returning id into v_id;
  perform log_task_activity(p_task_id, 'planning_question', left(p_question, 500), jsonb_build_object('question_id', v_id),
    (select jsonb_build_object('type', 'agent', 'id', a.id, 'name', a.name) from agents a where a.id = v_task.assigned_agent_id));
  return jsonb_build_object('added', true, 'id', v_id);
end $$;

create or replace function answer_planning_question(p_task_id uuid, p_question_id uuid, p_answer text, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_q planning_questions;
begin
  select q.* into v_q from planning_questions q join tasks t on t.id = q.task_id
  where q.id = p_question_id and q.task_id = p_task_id and t.status = 'planning' for update of q;
  if not found then
    perform raise_app_error('not_found', 'That question is not open on this task.');
  end if;
  if v_q.answer is not null then
    perform raise_app_error('conflict', 'That question has already been answered.');
  end if;
  update planning_questions set answer = p_answer, answered_by = (p_actor->>'id')::uuid, answered_at = now() where id = p_question_id;
  perform log_task_activity(p_task_id, 'planning_answer', left(p_answer, 500), jsonb_build_object('question_id', p_question_id), p_actor);
  return jsonb_build_object('id', p_question_id, 'answered', true);
end $$;

-- Stores the spec and assigns the task before any dispatch: one transaction.
create or replace function finish_planning(p_task_id uuid, p_run_id text, p_spec jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id and status = 'planning' for update;
  if not found or v_task.current_run_id is distinct from p_run_id then
    return jsonb_build_object('changed', false);
  end if;
  update tasks set planning_spec = p_spec, status = 'assigned', next_dispatch_at = null, current_run_id = null
  where id = p_task_id returning * into v_task;
  perform log_task_activity(p_task_id, 'planning_complete', 'Planning finished; the spec is stored and the task assigned.',
    jsonb_build_object('spec', p_spec), '{"type":"system","name":"planning"}'::jsonb);
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, '{"type":"system","name":"planning"}'::jsonb,
    jsonb_build_object('title', v_task.title, 'status', 'assigned', 'from_status', 'planning', 'changed', '["status","planning_spec"]'::jsonb));
  return jsonb_build_object('changed', true, 'id', p_task_id, 'status', 'assigned');
end $$;

create or replace function cancel_planning(p_task_id uuid, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_task tasks;
begin
  select * into v_task from tasks where id = p_task_id and status = 'planning' for update;
  if not found then
    perform raise_app_error('conflict', 'The task is not in planning.');
  end if;
  update tasks set status = 'inbox', current_run_id = null where id = p_task_id returning * into v_task;
  insert into task_activities (task_id, type, message, actor_type, actor_id, actor_name)
  values (p_task_id, 'planning_cancelled', 'Planning cancelled; back to the inbox.', coalesce(p_actor->>'type', 'system'),
          (p_actor->>'id')::uuid, coalesce(p_actor->>'name', ''));
  perform emit_event('task.updated', v_task.workspace_id, v_task.id, v_task.assigned_agent_id, p_actor,
    jsonb_build_object('title', v_task.title, 'status', 'inbox', 'from_status', 'planning', 'changed', '["status"]'::jsonb));
  return jsonb_build_object('id', p_task_id, 'status', 'inbox');
end $$;
