-- Issue 11: sign-in tells a failure's reason only to the audit log; the
-- owner of an account learns at their next sign-in how many attempts on it
-- failed meanwhile (wrong password, or any attempt while locked or disabled).
ALTER TABLE staff ADD COLUMN failures_since_sign_in INTEGER NOT NULL DEFAULT 0;
