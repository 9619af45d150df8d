ALTER TABLE registrations DROP COLUMN anonymised_at;
ALTER TABLE congresses DROP COLUMN retention_days;
