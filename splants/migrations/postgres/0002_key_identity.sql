-- A key's stable identity, kept by rotation: budget scope, rate-limit cells, library, analytics
-- and usage follow it. Existing keys are their own identity (a chain rotated before this
-- migration stays split: its pieces were stored under each key's own id).
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS identity TEXT COLLATE "C";
UPDATE api_keys SET identity = id WHERE identity IS NULL;

-- The key imported from API_KEY, so a changed API_KEY can retire it. Earlier versions marked it
-- only by its name; a replacement issued by rotating it has the same name but is not it.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS bootstrap BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE api_keys SET bootstrap = TRUE
 WHERE name = 'bootstrap (API_KEY)' AND role = 'admin'
   AND id NOT IN (SELECT rotated_to FROM api_keys WHERE rotated_to IS NOT NULL);
