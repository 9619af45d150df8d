-- A waiting-list place that swaps: when its seat frees, the seat the person holds in this
-- session (of the same block) is given up in the same transaction. Cleared when that seat goes.
ALTER TABLE enrollments ADD COLUMN swap_from BIGINT;
