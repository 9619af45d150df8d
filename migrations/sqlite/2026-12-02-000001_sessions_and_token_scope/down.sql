ALTER TABLE api_tokens DROP COLUMN read_only;
ALTER TABLE organizers DROP COLUMN session_epoch;
