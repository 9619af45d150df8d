-- Personal data is kept for a period after the congress (DSGVO Art. 5(1)(e)): set per
-- congress by its owner, 90 days unless changed; then registrations are anonymised.
ALTER TABLE congresses ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 90;
ALTER TABLE registrations ADD COLUMN anonymised_at TIMESTAMP;
