-- Figures the app computes itself (T21: share of verified ID numbers) are
-- kept with the entry, and a supervisor's different figure needs a reason.
ALTER TABLE progress_entry ADD COLUMN auto_value REAL;
ALTER TABLE progress_entry ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';
