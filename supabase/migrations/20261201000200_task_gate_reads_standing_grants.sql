-- task_gate takes the approval action whose standing grant it honours, so every
-- gate reads grants in one place (its definition: supabase/sql/07_governance.sql).
-- The two-argument signature goes here, so a database that had it does not keep
-- it beside the new one (a call with two arguments would be ambiguous).
drop function if exists task_gate(uuid, text);
