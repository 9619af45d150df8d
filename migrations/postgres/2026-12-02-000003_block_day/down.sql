ALTER TABLE slot_groups DROP COLUMN day;
