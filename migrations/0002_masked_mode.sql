-- Masked mode (docs/MASKED.md): every row says which protection the job used and, for masked mode,
-- which worker pool's product it is about. Rows written before this migration are blinded-mode rows.
-- A masked batch layer has one attempt sequence per pool, so the idempotency key includes the pool.

ALTER TABLE verification_audit
    ADD COLUMN privacy_mode text NOT NULL DEFAULT 'blinded' CHECK (privacy_mode IN ('blinded', 'masked')),
    ADD COLUMN pool text CHECK (pool IN ('data', 'mask')),
    ADD CONSTRAINT verification_audit_pool_matches_mode CHECK (
        (privacy_mode = 'blinded' AND pool IS NULL) OR verdict = 'rejected' OR pool IS NOT NULL
    );

COMMENT ON COLUMN verification_audit.privacy_mode IS 'blinded (monomial blinding) or masked (two-pool one-time pad mod p)';
COMMENT ON COLUMN verification_audit.pool IS 'masked mode: the pool whose product the row is about (data or mask)';

DROP INDEX verification_audit_attempt_key;
CREATE UNIQUE INDEX verification_audit_attempt_key
    ON verification_audit (job_id, batch, segment, attempt, COALESCE(pool, ''))
    WHERE verdict IN ('passed', 'failed');
