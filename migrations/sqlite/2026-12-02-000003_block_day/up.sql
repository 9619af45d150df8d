-- A workshop block belongs to one congress day: the organizer names it in the back office,
-- and the registration form and the day check read it.
ALTER TABLE slot_groups ADD COLUMN day DATE;
