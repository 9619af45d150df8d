ALTER TABLE enrollments DROP COLUMN swap_from;
