#!/usr/bin/env bash
# Provisions the compose broker (docker compose runs it in the broker-setup container): the vhost
# securenets, one user per role with its password from the environment (.env), and the permissions of
# infra/local/rabbitmq's grant_permissions, which docs/SECURITY.md explains (scripts/deploy/validate.py
# fails when the two disagree). Idempotent: a second run changes nothing that is already right.
# Environment: RABBITMQ_NODE (rabbit@broker), HOME (holds the broker's Erlang cookie), and
# BROKER_{PRODUCER,VERIFIER,WORKER,WORKER_DATA,WORKER_MASK}_PASSWORD.
set -euo pipefail

readonly VHOST=securenets
readonly TOPOLOGY='securenets|securenets\.(jobs|results)(\.(data|mask))?|securenets\.(models|dead|dead-letter|replies)'
node=${RABBITMQ_NODE:-rabbit@broker}

die() { echo "broker-setup: $*" >&2; exit 1; }
ctl() { rabbitmqctl --quiet -n "$node" "$@"; }

ctl await_startup >/dev/null || die "broker $node does not answer (is the Erlang cookie in \$HOME=$HOME?)"
ctl list_vhosts name | grep -qx "$VHOST" || ctl add_vhost "$VHOST" >/dev/null

existing_users=$(ctl list_users --no-table-headers | cut -f1)
# user, password variable: creates the user, or sets the password of one that exists.
ensure_user() {
    local user=$1 variable=$2
    local password=${!variable:-}
    [[ -n $password ]] || die "$variable is empty; run infra/compose/new-env"
    if grep -qx "$user" <<<"$existing_users"; then
        ctl change_password "$user" "$password" >/dev/null
    else
        ctl add_user "$user" "$password" >/dev/null
    fi
}
ensure_user securenets-producer BROKER_PRODUCER_PASSWORD
ensure_user securenets-verifier BROKER_VERIFIER_PASSWORD
ensure_user securenets-worker BROKER_WORKER_PASSWORD
ensure_user securenets-worker-data BROKER_WORKER_DATA_PASSWORD
ensure_user securenets-worker-mask BROKER_WORKER_MASK_PASSWORD

# Arguments of set_permissions: user, configure, write, read (regular expressions).
set_permissions() { ctl set_permissions -p "$VHOST" "$1" "$2" "$3" "$4" >/dev/null; }
set_permissions securenets-worker '^$' '^securenets(\.dead)?$' '^securenets\.(jobs|models)$'
set_permissions securenets-worker-data '^$' '^securenets(\.dead)?$' '^securenets\.(jobs\.data|models)$'
set_permissions securenets-worker-mask '^$' '^securenets(\.dead)?$' '^securenets\.(jobs\.mask|models)$'
set_permissions securenets-verifier "^($TOPOLOGY)\$" "^($TOPOLOGY)\$" "^($TOPOLOGY)\$"
set_permissions securenets-producer "^($TOPOLOGY|securenets\.reply\..+)\$" \
    "^($TOPOLOGY|securenets\.reply\..+)\$" "^($TOPOLOGY|securenets\.reply\..+)\$"
echo "broker-setup: vhost $VHOST and its users are ready on $node"
