-- agent_request_action no longer takes the caller's verdict (mode, veto
-- window, policy): the task's policy decides in SQL. Its new definition is in
-- supabase/sql/12_agent_api.sql; the old signature goes here, so a database
-- that had it does not keep it beside the new one.
drop function if exists agent_request_action(uuid, uuid, text, jsonb, text, text, text, int, text, int, text);
