-- Every trigger binding, by table. The tables come from supabase/migrations,
-- the functions from the area files before this one; this file binds them,
-- and is applied after them whenever it changes (`create or replace trigger`
-- keeps each binding current).
--
-- PostgreSQL fires the row triggers of one table, event and timing in name
-- order, so on a table with several the names set the order. It matters on
-- tasks, written down below next to the bindings.

-- Tasks -----------------------------------------------------------------------
--
-- BEFORE UPDATE, in this order (a raise in one stops the update and the rest):
--   1. tasks_advance_before_done   review → done on a pipeline's earlier stage
--                                  is refused: such a task advances instead
--                                  (08_pipelines). First, so that task never
--                                  asks for a done approval it cannot use.
--   2. tasks_done_gate             review → done on a gated task needs an
--                                  approved task.review_done (07_governance).
--   3. tasks_transition            the move must be a legal one (task_transitions);
--                                  stamps status_changed_at (10_tasks).
--   4. tasks_updated_at            stamps updated_at (01_base_helpers).
--
-- AFTER UPDATE, in this order (each sees the row as committed by the update):
--   1. tasks_audit                       dispatch (assigned → in_progress with a
--                                        new run) is audited (04_audit).
--   2. tasks_close_final_stage           done on the last stage closes its stage
--                                        run (08_pipelines).
--   3. tasks_github_done_comment         a task linked to a GitHub issue that
--                                        reaches done queues its comment back
--                                        (21_github; bound in that file, which
--                                        comes after this one).
--   4. tasks_release_budget_reservation  a run or claim that ended releases its
--                                        budget reservation (09_costs_budgets).
--
-- A new trigger on tasks takes its place in these lists by its name.

create or replace trigger tasks_advance_before_done before update of status on tasks
  for each row execute function enforce_stage_done();

create or replace trigger tasks_done_gate before update of status on tasks
  for each row execute function enforce_done_gate();

create or replace trigger tasks_transition before update of status on tasks
  for each row execute function enforce_task_transition();

-- Deleting a task and undoing it leave its updated_at (and so its place in its lane) as it was.
create or replace trigger tasks_updated_at before update on tasks
  for each row when (old.deleted_at is not distinct from new.deleted_at) execute function set_updated_at();

create or replace trigger tasks_audit after update of status on tasks
  for each row execute function audit_task_change();

create or replace trigger tasks_close_final_stage after update of status on tasks
  for each row when (new.status = 'done' and old.status is distinct from 'done' and new.stage_id is not null)
  execute function close_final_stage_run();

create or replace trigger tasks_release_budget_reservation after update of status, claimed_until on tasks
  for each row execute function release_budget_reservation();

-- Task activities: a status move a user made by hand (not through an
-- approval) is audited; a move to done names who finished the last stage run.

create or replace trigger task_activities_audit after insert on task_activities
  for each row execute function audit_manual_move();

create or replace trigger task_activities_stage_finisher after insert on task_activities
  for each row when (new.type = 'status_changed' and new.metadata->>'to' = 'done') execute function record_stage_finisher();

-- Approvals: BEFORE INSERT, one recorded as allowed by a standing grant must
-- be backed by a live grant; AFTER UPDATE of the status, the decision is
-- audited (approvals_audit) before the approved action runs
-- (approvals_run_action), in name order.

create or replace trigger approvals_grant_backed before insert on approvals
  for each row execute function check_grant_backed();

create or replace trigger approvals_audit after update of status on approvals
  for each row execute function audit_approval_decision();

create or replace trigger approvals_run_action after update of status on approvals
  for each row execute function run_approved_actions();

-- Agents: a changed autonomy level is audited.

create or replace trigger agents_audit after update of autonomy_level on agents
  for each row execute function audit_agent_change();

-- Append-only tables.

create or replace trigger events_append_only before update on events
  for each row execute function prevent_event_rewrite();

create or replace trigger audit_log_append_only before update or delete on audit_log
  for each row execute function prevent_audit_rewrite();

create or replace trigger model_prices_append_only before update or delete on model_prices
  for each row execute function prevent_price_rewrite();

-- updated_at on the tables that have it (tasks: above).

create or replace trigger workspaces_updated_at before update on workspaces
  for each row execute function set_updated_at();

create or replace trigger users_updated_at before update on users
  for each row execute function set_updated_at();

create or replace trigger agents_updated_at before update on agents
  for each row execute function set_updated_at();

create or replace trigger task_types_updated_at before update on task_types
  for each row execute function set_updated_at();

create or replace trigger pipelines_updated_at before update on pipelines
  for each row execute function set_updated_at();

create or replace trigger pipeline_stages_updated_at before update on pipeline_stages
  for each row execute function set_updated_at();

-- Users and sessions: an ended session or a changed user is announced to every
-- instance, which forgets the sessions it remembers (05_auth_users, decision 056).
create or replace trigger sessions_announce_end after delete on sessions
  for each row execute function announce_auth_change();

create or replace trigger users_announce_change after update on users
  for each row execute function announce_auth_change();
