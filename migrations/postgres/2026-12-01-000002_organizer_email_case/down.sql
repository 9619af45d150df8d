-- The original case of the addresses is not kept; nothing to undo.
SELECT 1;
