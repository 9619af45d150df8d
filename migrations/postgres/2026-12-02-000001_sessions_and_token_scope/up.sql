-- Logout ends a session on the server (issue 13): the session cookie carries the account's
-- session epoch, and logging out moves it on, so a copied cookie stops working at once.
ALTER TABLE organizers ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
-- An API token may be limited to reading.
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
