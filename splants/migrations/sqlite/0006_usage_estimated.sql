-- A provider call whose server reported no usage (some OpenAI-compatible servers when
-- streaming): its token counts, and so its cost, are splants' own count. Rows written before
-- this migration carried reported usage.
ALTER TABLE api_usage ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0;
