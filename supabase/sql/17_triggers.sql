create or replace trigger workspaces_updated_at before update on workspaces
  for each row execute function set_updated_at();

create or replace trigger users_updated_at before update on users
  for each row execute function set_updated_at();

create or replace trigger agents_updated_at before update on agents
  for each row execute function set_updated_at();

create or replace trigger tasks_updated_at before update on tasks
  for each row execute function set_updated_at();

create or replace trigger tasks_transition before update of status on tasks
  for each row execute function enforce_task_transition();

create or replace trigger events_append_only before update on events
  for each row execute function prevent_event_rewrite();

create or replace trigger audit_log_append_only before update or delete on audit_log
  for each row execute function prevent_audit_rewrite();

create or replace trigger approvals_audit after update of status on approvals
  for each row execute function audit_approval_decision();

create or replace trigger tasks_audit after update of status on tasks
  for each row execute function audit_task_change();

create or replace trigger agents_audit after update of autonomy_level on agents
  for each row execute function audit_agent_change();

create or replace trigger task_activities_audit after insert on task_activities
  for each row execute function audit_manual_move();

create or replace trigger task_types_updated_at before update on task_types for each row execute function set_updated_at();

create or replace trigger tasks_done_gate before update of status on tasks
  for each row execute function enforce_done_gate();

create or replace trigger approvals_run_action after update of status on approvals
  for each row execute function run_approved_actions();

create or replace trigger model_prices_append_only before update or delete on model_prices
  for each row execute function prevent_price_rewrite();

create or replace trigger tasks_release_budget_reservation after update of status, claimed_until on tasks
  for each row execute function release_budget_reservation();

create or replace trigger pipelines_updated_at before update on pipelines for each row execute function set_updated_at();

create or replace trigger pipeline_stages_updated_at before update on pipeline_stages for each row execute function set_updated_at();

create or replace trigger tasks_close_final_stage after update of status on tasks
  for each row when (new.status = 'done' and old.status is distinct from 'done' and new.stage_id is not null)
  execute function close_final_stage_run();

create or replace trigger task_activities_stage_finisher after insert on task_activities
  for each row when (new.type = 'status_changed' and new.metadata->>'to' = 'done') execute function record_stage_finisher();

create or replace trigger tasks_advance_before_done before update of status on tasks
  for each row execute function enforce_stage_done();

create or replace trigger approvals_grant_backed before insert on approvals
  for each row execute function check_grant_backed();
