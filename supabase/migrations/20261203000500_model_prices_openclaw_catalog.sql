-- The price table brought up to the models OpenClaw 2026.9.6 knows: its
-- model catalog (each provider plugin's modelCatalog, cost in USD per million
-- tokens), read on 2026-12-02 (docs/decisions/033-pages-people-read.md).
--
-- A model of its own provider (anthropic, openai, xai, google) is keyed by
-- its bare id, which the lookup also finds for "provider/model"; a model
-- resold by another provider is keyed "provider/model", since that price is
-- the reseller's. Tiered prices seed their base tier; a first-party model the
-- catalog lists without a price takes the price the catalog gives the same
-- model under github-copilot; an all-zero catalog price is no price and is
-- not seeded.
--
-- Rows are only added: a model the earlier seed priced gets a new version
-- (when the price differs), taking effect no earlier than the version it
-- follows, so usage already priced keeps the version it refers to; a model
-- whose latest price an admin set keeps it.
insert into model_prices (model, version, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok,
                          effective_from, note, created_by)
select c.model, coalesce(l.version, 0) + 1, c.input, c.output, c.cache_read, c.cache_write,
       greatest(timestamptz '2026-09-06T00:00:00Z', coalesce(l.effective_from, timestamptz '2026-09-06T00:00:00Z')),
       'OpenClaw 2026.9.6 model catalog (' || c.provider || case when c.why = '' then '' else '; ' || c.why end || ')',
       '{"type":"system","name":"seed"}'::jsonb
from (values
  ('claude-fable-5', 'anthropic', 10, 50, 1, 12.5, ''),
  ('claude-fable-5-1', 'anthropic', 10, 50, 0.25, 12.5, ''),
  ('claude-haiku-4-5', 'anthropic', 1, 5, 0.1, 1.25, 'price as github-copilot lists it for claude-haiku-4.5'),
  ('claude-mythos-5', 'anthropic', 10, 50, 1, 12.5, ''),
  ('claude-opus-4-8', 'anthropic', 5, 25, 0.5, 6.25, 'price as github-copilot lists it for claude-opus-4.8'),
  ('claude-opus-5', 'anthropic', 5, 25, 0.5, 6.25, ''),
  ('claude-opus-5-5', 'anthropic', 4, 20, 0.2, 5, ''),
  ('claude-sonnet-5', 'anthropic', 2, 10, 0.2, 2.5, ''),
  ('github-copilot/claude-fable-5', 'github-copilot', 10, 50, 1, 12.5, ''),
  ('github-copilot/claude-haiku-4.5', 'github-copilot', 1, 5, 0.1, 1.25, ''),
  ('github-copilot/claude-opus-4.8', 'github-copilot', 5, 25, 0.5, 6.25, ''),
  ('github-copilot/claude-opus-5', 'github-copilot', 5, 25, 0.5, 6.25, ''),
  ('github-copilot/claude-sonnet-4.6', 'github-copilot', 3, 15, 0.3, 3.75, ''),
  ('github-copilot/claude-sonnet-5', 'github-copilot', 2, 10, 0.2, 2.5, ''),
  ('github-copilot/gemini-2.5-pro', 'github-copilot', 1.25, 10, 0.125, 0, ''),
  ('github-copilot/gemini-3.1-pro-preview', 'github-copilot', 2, 12, 0.2, 0, ''),
  ('github-copilot/gemini-3.5-flash', 'github-copilot', 1.5, 9, 0.15, 0, ''),
  ('github-copilot/gemini-3.6-flash', 'github-copilot', 1.5, 7.5, 0.15, 0, ''),
  ('github-copilot/gpt-5.3-codex', 'github-copilot', 1.75, 14, 0.175, 0, ''),
  ('github-copilot/gpt-5.4', 'github-copilot', 2.5, 15, 0.25, 0, ''),
  ('github-copilot/gpt-5.4-mini', 'github-copilot', 0.75, 4.5, 0.075, 0, ''),
  ('github-copilot/gpt-5.5', 'github-copilot', 5, 30, 0.5, 0, ''),
  ('github-copilot/gpt-5.6-luna', 'github-copilot', 1, 6, 0.1, 0, ''),
  ('github-copilot/gpt-5.6-sol', 'github-copilot', 5, 30, 0.5, 0, ''),
  ('github-copilot/gpt-5.6-terra', 'github-copilot', 2.5, 15, 0.25, 0, ''),
  ('gemini-2.5-pro', 'google', 1.25, 10, 0.125, 0, 'price as github-copilot lists it for gemini-2.5-pro'),
  ('gemini-3.1-pro-preview', 'google', 2, 12, 0.2, 0, 'price as github-copilot lists it for gemini-3.1-pro-preview'),
  ('gemini-3.5-flash', 'google', 1.5, 9, 0.15, 0, 'price as github-copilot lists it for gemini-3.5-flash'),
  ('gemini-3.6-flash', 'google', 1.5, 7.5, 0.15, 0, 'price as github-copilot lists it for gemini-3.6-flash'),
  ('huggingface/deepseek-ai/deepseek-r1', 'huggingface', 3, 7, 3, 3, ''),
  ('huggingface/deepseek-ai/deepseek-v3.1', 'huggingface', 0.6, 1.25, 0.6, 0.6, ''),
  ('ollama-cloud/kimi-k3', 'ollama-cloud', 3, 15, 0.3, 0, ''),
  ('gpt-5.4', 'openai', 2.5, 15, 0.25, 0, ''),
  ('gpt-5.4-mini', 'openai', 0.75, 4.5, 0.075, 0, ''),
  ('gpt-5.4-nano', 'openai', 0.2, 1.25, 0.02, 0, ''),
  ('gpt-5.4-pro', 'openai', 30, 180, 0, 0, ''),
  ('gpt-5.5', 'openai', 5, 30, 0.5, 0, ''),
  ('gpt-5.5-pro', 'openai', 30, 180, 0, 0, ''),
  ('gpt-5.6-luna', 'openai', 1, 6, 0.1, 1.25, ''),
  ('gpt-5.6-sol', 'openai', 5, 30, 0.5, 6.25, ''),
  ('gpt-5.6-terra', 'openai', 2.5, 15, 0.25, 3.125, ''),
  ('gpt-6-astra', 'openai', 10, 50, 1, 12.5, 'base tier of a tiered price'),
  ('gpt-6-luna', 'openai', 0.1, 0.5, 0.01, 0.125, 'base tier of a tiered price'),
  ('gpt-6-sol', 'openai', 2, 10, 0.2, 2.5, 'base tier of a tiered price'),
  ('opencode-go/deepseek-v4-flash', 'opencode-go', 0.14, 0.28, 0.0028, 0, ''),
  ('opencode-go/deepseek-v4-pro', 'opencode-go', 0.435, 0.87, 0.003625, 0, ''),
  ('opencode-go/gpt-5.6-luna', 'opencode-go', 0.2, 1.2, 0.02, 0.25, 'base tier of a tiered price'),
  ('opencode-go/kimi-k2.6', 'opencode-go', 0.95, 4, 0.16, 0, ''),
  ('opencode-go/kimi-k3', 'opencode-go', 3, 15, 0.3, 0, ''),
  ('opencode-go/qwen3.8-max', 'opencode-go', 2, 6, 0.25, 2.5, ''),
  ('together/deepseek-ai/deepseek-v4-pro', 'together', 1.74, 3.48, 0.2, 0, ''),
  ('together/meta-llama/llama-3.3-70b-instruct-turbo', 'together', 1.04, 1.04, 1.04, 0, ''),
  ('together/moonshotai/kimi-k2.6', 'together', 1.2, 4.5, 0.2, 0, ''),
  ('together/zai-org/glm-5.2', 'together', 1.4, 4.4, 0.26, 0, ''),
  ('grok-4.20-0309-non-reasoning', 'xai', 1.25, 2.5, 0.2, 0, ''),
  ('grok-4.20-0309-reasoning', 'xai', 1.25, 2.5, 0.2, 0, ''),
  ('grok-4.3', 'xai', 1.25, 2.5, 0.2, 0, ''),
  ('grok-4.5', 'xai', 2, 6, 0.3, 0, ''),
  ('grok-4.6', 'xai', 2, 6, 0.5, 0, ''),
  ('grok-4.7', 'xai', 2, 6, 0.5, 0, ''),
  ('grok-build-0.1', 'xai', 1, 2, 0.2, 0, '')
) c(model, provider, input, output, cache_read, cache_write, why)
left join lateral (select * from model_prices p where p.model = c.model order by p.version desc limit 1) l on true
where l.id is null
   or (l.created_by->>'name' = 'seed'
       and (l.input_usd_per_mtok, l.output_usd_per_mtok, l.cache_read_usd_per_mtok, l.cache_write_usd_per_mtok, l.included)
      is distinct from (c.input::numeric, c.output::numeric, c.cache_read::numeric, c.cache_write::numeric, false));
