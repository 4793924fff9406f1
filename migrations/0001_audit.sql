-- The verification audit log: one row per verification attempt (passed or failed) and one per rejected
-- message. Append-only and hash-chained per verifier; see docs/audit-log.md for the row-hash format.
--
-- Applied by MigrationRunner (Sources/Audit) as the database owner, inside its transaction: no BEGIN/COMMIT
-- here. Unqualified names land in the first schema of search_path, so tests can migrate a private schema.
-- The roles securenets_verifier and securenets_auditor must already exist (infra/local/postgres creates
-- them locally; a deployment's provisioning creates them elsewhere).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'securenets_verifier')
       OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'securenets_auditor') THEN
        RAISE EXCEPTION 'roles securenets_verifier and securenets_auditor must exist before this migration'
            USING HINT = 'create them with infra/local/postgres start, or with your deployment''s provisioning';
    END IF;
END
$$;

CREATE TABLE verification_audit (
    id                       bigserial PRIMARY KEY,
    -- Identity of the attempt. May be NULL only on a rejected message whose manifest could not be read.
    job_id                   text,
    batch                    integer CHECK (batch >= 0),
    segment                  integer CHECK (segment >= 0),
    attempt                  integer CHECK (attempt >= 0),
    worker_id                text,
    verifier_id              text NOT NULL CHECK (verifier_id <> ''),
    -- Who signed the job's manifest (fingerprint of the producer's Ed25519 public key).
    producer_key_fingerprint text,
    precision_mode           text CHECK (precision_mode IN ('exact', 'fast')),
    model_digest             text,
    input_digest             text,
    output_digest            text,
    -- Tensor name -> shape, e.g. {"input": [256, 785], "z1": [256, 513]}.
    shapes                   jsonb CHECK (shapes IS NULL OR jsonb_typeof(shapes) = 'object'),
    -- Random vectors drawn per layer by the check (k).
    rounds                   integer CHECK (rounds >= 0),
    verdict                  text NOT NULL CHECK (verdict IN ('passed', 'failed', 'rejected')),
    reason                   text,
    -- Largest |u - v| divided by its rigorous bound over all layers and vectors; <= 1 means passed.
    max_residual_ratio       double precision,
    verify_ms                double precision CHECK (verify_ms >= 0),
    worker_compute_ms        double precision CHECK (worker_compute_ms >= 0),
    created_at               timestamptz NOT NULL DEFAULT now(),
    previous_hash            text NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
    row_hash                 text NOT NULL CHECK (row_hash ~ '^[0-9a-f]{64}$'),

    -- An attempt that was checked must say which attempt it was and in which precision it was checked.
    CONSTRAINT verification_audit_checked_attempt_complete CHECK (
        verdict = 'rejected'
        OR (job_id IS NOT NULL AND batch IS NOT NULL AND segment IS NOT NULL AND attempt IS NOT NULL
            AND worker_id IS NOT NULL AND precision_mode IS NOT NULL)
    ),
    -- Anything that did not pass must say why.
    CONSTRAINT verification_audit_reason_given CHECK (verdict = 'passed' OR reason IS NOT NULL)
);

COMMENT ON TABLE verification_audit IS
    'Append-only SecureNets verification audit log, hash-chained per verifier_id (docs/audit-log.md).';

-- Idempotency: a checked attempt is recorded once. Rejected rows describe messages, which may repeat.
CREATE UNIQUE INDEX verification_audit_attempt_key
    ON verification_audit (job_id, batch, segment, attempt)
    WHERE verdict IN ('passed', 'failed');

-- A chain never forks: no two rows of one verifier may follow the same predecessor (this also allows one
-- genesis row per verifier). Doubles as the index for "last row of this verifier's chain".
CREATE UNIQUE INDEX verification_audit_chain_link_key
    ON verification_audit (verifier_id, previous_hash);
CREATE INDEX verification_audit_chain_order ON verification_audit (verifier_id, id);

-- Query paths of `securenets audit`: newest first, optionally by job or worker.
CREATE INDEX verification_audit_created_at ON verification_audit (created_at DESC, id DESC);
CREATE INDEX verification_audit_worker ON verification_audit (worker_id, created_at DESC);

-- History is immutable. Privileges stop ordinary roles; this trigger also stops the owner and superusers
-- (who bypass privileges), unless they deliberately switch triggers off (session_replication_role), which
-- the hash chain then exposes.
CREATE FUNCTION verification_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'verification_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit rows are never changed or removed; record a new row instead';
END
$$;

CREATE TRIGGER verification_audit_no_update_or_delete
    BEFORE UPDATE OR DELETE ON verification_audit
    FOR EACH ROW EXECUTE FUNCTION verification_audit_refuse_change();

CREATE TRIGGER verification_audit_no_truncate
    BEFORE TRUNCATE ON verification_audit
    FOR EACH STATEMENT EXECUTE FUNCTION verification_audit_refuse_change();

-- Privileges. The owner gives up its own right to change rows (it could take it back, but the trigger
-- still refuses); verifiers append and read; auditors only read.
REVOKE UPDATE, DELETE, TRUNCATE ON verification_audit FROM PUBLIC, CURRENT_USER;
GRANT SELECT, INSERT ON verification_audit TO securenets_verifier;
GRANT USAGE ON SEQUENCE verification_audit_id_seq TO securenets_verifier;
GRANT SELECT ON verification_audit TO securenets_auditor;

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO securenets_verifier, securenets_auditor', current_schema());
END
$$;
