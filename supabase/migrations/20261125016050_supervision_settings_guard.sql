-- Decision 014, continued. A task's gates also come from settings edited
-- elsewhere: its agent's autonomy, and its pipeline stage's level and advance
-- gate. Lowering one of those lowers the governance of every task it touches
-- at once, so it follows the task's own rule:
--
-- - Less supervision (hitl → hotl → autonomous, or a stage advance no longer
--   gated) is made by an enabled approver or admin only, looked up by the
--   actor's id. Anyone else is refused (forbidden) and nothing changes.
--   More supervision stays open to anyone who may edit the setting.
-- - Either way, the tasks with a request waiting are settled as a task edit
--   settles them (settle_governance_change, 20261125016000): a system request
--   whose gate now allows the action is cancelled with the reason, one whose
--   gate now needs an approver loses its veto window, every other is kept.
-- - Audited with the person, the setting before and after, and whether it was
--   lowered (agent.autonomy_changed, pipeline.stage_changed); each settled
--   task gets its task.governance_changed row.
--
-- Adding, moving or deleting a stage, and choosing a stage's agent, leave the
-- gates of the tasks already on the pipeline as they are (a task's gates come
-- from the stage it is at and its own assignee), so they stay with operators.

create or replace function autonomy_label(p_level text) returns text
language sql immutable as $$
  select case p_level when 'hitl' then 'human in the loop' when 'hotl' then 'human on the loop' else p_level end
$$;

-- What got less supervised from one reading of a setting to the next:
-- [{what, from, to}] for a level that supervises less, or an advance no
-- longer gated. A key missing on either side is not compared.
create or replace function supervision_lowered(p_before jsonb, p_after jsonb) returns jsonb
language sql immutable as $$
  select coalesce(jsonb_agg(l.x order by l.n), '[]'::jsonb)
  from (
    select 1 as n, jsonb_build_object('what', 'autonomy_level', 'from', p_before->>'autonomy_level', 'to', p_after->>'autonomy_level') as x
    where autonomy_rank(p_after->>'autonomy_level') > autonomy_rank(p_before->>'autonomy_level')
    union all
    select 2, jsonb_build_object('what', 'gate_advance', 'from', true, 'to', false)
    where (p_before->>'gate_advance')::boolean and not (p_after->>'gate_advance')::boolean
  ) l
$$;

-- Refuses a lowering (supervision_lowered) unless the actor is an enabled
-- approver or admin. p_subject names what is edited, for the message; the
-- details name the form fields and what would be lost.
create or replace function refuse_unapproved_lowering(p_actor jsonb, p_subject text, p_lowered jsonb) returns void
language plpgsql as $$
begin
  if p_lowered = '[]'::jsonb or actor_is_approver(p_actor) then
    return;
  end if;
  perform raise_app_error('forbidden',
    format('Only an approver or admin can lower %s: %s. Nothing was changed; ask an approver.', p_subject,
           (select string_agg(case when l->>'what' = 'gate_advance' then 'its advance to the next stage would no longer be gated'
                                   else format('its autonomy would go from %s to %s', autonomy_label(l->>'from'), autonomy_label(l->>'to')) end,
                              '; ' order by n)
            from jsonb_array_elements(p_lowered) with ordinality as x(l, n))),
    jsonb_build_object('fields', (select jsonb_object_agg(l->>'what', 'Only an approver or admin can make this change') from jsonb_array_elements(p_lowered) l),
                       'lowered', p_lowered));
end $$;

-- As in 20261125006000: lowering is an approver's act, and the waiting
-- requests of the agent's tasks are settled in the same transaction.
create or replace function set_agent_autonomy(p_agent_id uuid, p_level text, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_agent agents;
  v_waiting jsonb;
begin
  select * into v_agent from agents where id = p_agent_id for update;
  if not found then
    perform raise_app_error('not_found', 'Agent not found.');
  end if;
  if p_level is null or p_level not in ('hitl', 'hotl', 'autonomous') then
    perform raise_app_error('invalid', 'Choose hitl, hotl or autonomous.',
      jsonb_build_object('fields', jsonb_build_object('autonomy_level', 'Choose hitl, hotl or autonomous')));
  end if;
  if p_level = v_agent.autonomy_level then
    return agent_json(v_agent);
  end if;
  perform refuse_unapproved_lowering(p_actor, format('the supervision of agent %s', v_agent.name),
    supervision_lowered(jsonb_build_object('autonomy_level', v_agent.autonomy_level), jsonb_build_object('autonomy_level', p_level)));
  select coalesce(jsonb_object_agg(t.id, task_governance(t.id)), '{}'::jsonb) into v_waiting
  from tasks t where t.assigned_agent_id = p_agent_id and exists (select 1 from approvals a where a.task_id = t.id and a.status = 'pending');
  -- The audit trigger reads the actor from here.
  perform set_config('mc.actor', p_actor::text, true);
  update agents set autonomy_level = p_level where id = p_agent_id returning * into v_agent;
  perform settle_governance_change(w.key::uuid, w.value, p_actor, 'agent_autonomy') from jsonb_each(v_waiting) w;
  perform emit_event('agent.updated', v_agent.workspace_id, null, v_agent.id, p_actor, jsonb_build_object('autonomy_level', p_level, 'name', v_agent.name));
  return agent_json(v_agent);
end $$;

-- As in 20261125005000, with the workspace, the agent's name and whether it
-- was lowered. An empty mc.actor (set earlier on a pooled connection, then
-- reset at commit) is no actor, not invalid JSON.
create or replace function audit_agent_change() returns trigger
language plpgsql as $$
begin
  if new.autonomy_level is distinct from old.autonomy_level then
    perform append_audit('agent.autonomy_changed', coalesce(nullif(current_setting('mc.actor', true), ''), '{"type":"system"}')::jsonb,
      jsonb_build_object('agent_id', new.id, 'workspace_id', new.workspace_id),
      jsonb_build_object('name', new.name, 'from', old.autonomy_level, 'to', new.autonomy_level,
                         'lowered', autonomy_rank(new.autonomy_level) > autonomy_rank(old.autonomy_level)));
  end if;
  return new;
end $$;

-- As in 20261125012100: a less supervised level or an ungated advance is an
-- approver's act; the waiting requests of the tasks at the stage are settled.
create or replace function update_pipeline_stage(p_stage_id uuid, p_fields jsonb, p_actor jsonb) returns jsonb
language plpgsql as $$
declare
  v_old pipeline_stages;
  v_s pipeline_stages;
  v_ws uuid;
  v_lowered jsonb;
  v_waiting jsonb := '{}'::jsonb;
begin
  select s.* into v_old from pipeline_stages s where s.id = p_stage_id for update;
  if not found then
    perform raise_app_error('not_found', 'Stage not found.');
  end if;
  select workspace_id into v_ws from pipelines where id = v_old.pipeline_id;
  perform check_stage_fields(v_ws, p_fields);
  v_lowered := supervision_lowered(jsonb_build_object('autonomy_level', v_old.autonomy_level, 'gate_advance', v_old.gate_advance),
                                   jsonb_build_object('autonomy_level', coalesce(p_fields->>'autonomy_level', v_old.autonomy_level),
                                                      'gate_advance', coalesce((p_fields->>'gate_advance')::boolean, v_old.gate_advance)));
  perform refuse_unapproved_lowering(p_actor, format('the supervision of stage %s', v_old.name), v_lowered);
  if p_fields ?| array['autonomy_level', 'gate_advance'] then
    select coalesce(jsonb_object_agg(t.id, task_governance(t.id)), '{}'::jsonb) into v_waiting
    from tasks t where t.stage_id = p_stage_id and exists (select 1 from approvals a where a.task_id = t.id and a.status = 'pending');
  end if;
  update pipeline_stages set
    name = case when p_fields ? 'name' then btrim(p_fields->>'name') else name end,
    agent_id = case when p_fields ? 'agent_id' then (p_fields->>'agent_id')::uuid else agent_id end,
    autonomy_level = coalesce(p_fields->>'autonomy_level', autonomy_level),
    gate_advance = coalesce((p_fields->>'gate_advance')::boolean, gate_advance)
  where id = p_stage_id returning * into v_s;
  perform append_audit('pipeline.stage_changed', p_actor,
    jsonb_build_object('pipeline_id', v_s.pipeline_id, 'stage_id', v_s.id, 'workspace_id', v_ws),
    jsonb_build_object('from', pipeline_stage_json(v_old), 'to', pipeline_stage_json(v_s), 'lowered', v_lowered));
  perform settle_governance_change(w.key::uuid, w.value, p_actor, 'pipeline_stage') from jsonb_each(v_waiting) w;
  return pipeline_stage_json(v_s);
end $$;
