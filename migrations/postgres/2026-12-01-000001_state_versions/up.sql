-- Every status change of a registration or an enrollment is a compare-and-set that also raises
-- its state version; the outbox idempotency key of the mail a change causes names the row and
-- that version, so two racing requests can never queue the same mail twice.
ALTER TABLE registrations ADD COLUMN state_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enrollments ADD COLUMN state_version BIGINT NOT NULL DEFAULT 0;
