#!/usr/bin/env bash
# Run once by the postgres image when it creates its data directory (docker-entrypoint-initdb.d): the
# database securenets, its owner role securenets (runs migrations) and the login roles
# securenets_verifier and securenets_auditor, whose table privileges migrations/ grants. As
# infra/local/postgres provisions them, with the passwords from the environment (.env).
set -euo pipefail
for variable in DB_OWNER_PASSWORD DB_VERIFIER_PASSWORD DB_AUDITOR_PASSWORD; do
    [[ -n ${!variable:-} ]] || { echo "postgres-init: $variable is empty; run infra/compose/new-env" >&2; exit 1; }
done
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$DB_OWNER_PASSWORD" -v verifier_password="$DB_VERIFIER_PASSWORD" \
    -v auditor_password="$DB_AUDITOR_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE securenets LOGIN PASSWORD %L', :'owner_password') \gexec
SELECT format('CREATE ROLE securenets_verifier LOGIN PASSWORD %L', :'verifier_password') \gexec
SELECT format('CREATE ROLE securenets_auditor LOGIN PASSWORD %L', :'auditor_password') \gexec
CREATE DATABASE securenets OWNER securenets;
GRANT CONNECT ON DATABASE securenets TO securenets_verifier, securenets_auditor;
SQL
