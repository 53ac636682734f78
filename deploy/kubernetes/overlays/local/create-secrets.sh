#!/usr/bin/env bash
# Creates the Secrets the local overlay needs, with fresh random passwords, in the
# namespace `aftersales` (created if missing). Run it once before
# `kubectl apply -k deploy/kubernetes/overlays/local`; it leaves existing Secrets alone
# (the in-cluster PostgreSQL and RabbitMQ were initialised with those passwords).
# Prints nothing secret. The first admin is `dev` with GATEWAY_DEV_PASSWORD:
#   kubectl -n aftersales get secret aftersales-gateway -o jsonpath='{.data.GATEWAY_DEV_PASSWORD}' | base64 -d
set -euo pipefail
NAMESPACE=${NAMESPACE:-aftersales}

if kubectl -n "$NAMESPACE" get secret aftersales-local-postgres >/dev/null 2>&1; then
  echo "The Secrets exist already in namespace $NAMESPACE; delete them to make new ones."
  exit 0
fi

random() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
fernet_key() { python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'; }

pg_password=$(random)
mq_user=aftersales
mq_password=$(random)
pg() { echo "postgresql+asyncpg://postgres:${pg_password}@postgres:5432/aftersales_$1"; }
amqp="amqp://${mq_user}:${mq_password}@rabbitmq:5672/"

kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 || kubectl create namespace "$NAMESPACE"
secret() { kubectl -n "$NAMESPACE" create secret generic "$@"; }

secret aftersales-local-postgres --from-literal=POSTGRES_PASSWORD="$pg_password"
secret aftersales-local-rabbitmq \
  --from-literal=RABBITMQ_DEFAULT_USER="$mq_user" --from-literal=RABBITMQ_DEFAULT_PASS="$mq_password"
secret aftersales-catalog \
  --from-literal=CATALOG_DATABASE_URL="$(pg catalog)" --from-literal=CATALOG_AMQP_URL="$amqp"
secret aftersales-servicetypes \
  --from-literal=SERVICETYPES_DATABASE_URL="$(pg servicetypes)" \
  --from-literal=SERVICETYPES_AMQP_URL="$amqp"
secret aftersales-scheduling \
  --from-literal=SCHEDULING_DATABASE_URL="$(pg scheduling)" --from-literal=SCHEDULING_AMQP_URL="$amqp"
secret aftersales-fieldwork \
  --from-literal=FIELDWORK_DATABASE_URL="$(pg fieldwork)" --from-literal=FIELDWORK_AMQP_URL="$amqp"
secret aftersales-campaigns \
  --from-literal=CAMPAIGNS_DATABASE_URL="$(pg campaigns)" --from-literal=CAMPAIGNS_AMQP_URL="$amqp"
# The local SMTP catcher and fake SMS provider take no credentials: those keys are
# optional and left out.
secret aftersales-notifications \
  --from-literal=NOTIFICATIONS_DATABASE_URL="$(pg notifications)" \
  --from-literal=NOTIFICATIONS_AMQP_URL="$amqp" \
  --from-literal=NOTIFICATIONS_SECRETS_KEY="$(fernet_key)"
# The gateway signs the identity it forwards with it; every process checks it.
secret aftersales-internal --from-literal=INTERNAL_SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
secret aftersales-gateway \
  --from-literal=GATEWAY_DATABASE_URL="$(pg gateway)" --from-literal=GATEWAY_DEV_PASSWORD="$(random)"
echo "Secrets created in namespace $NAMESPACE."
