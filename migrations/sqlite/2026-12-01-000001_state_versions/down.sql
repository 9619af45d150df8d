ALTER TABLE enrollments DROP COLUMN state_version;
ALTER TABLE registrations DROP COLUMN state_version;
