#!/usr/bin/env bash
# Idempotent Vault bootstrap for MedHook, through Vault's HTTP API (curl + jq; no vault CLI needed).
# Creates or brings up to date: the KV v2, Transit and database engine mounts; Kubernetes auth with one role per
# service account; one least-privilege ACL policy per service (policies/*.hcl); the Transit keys; the service-client
# secrets (generated once, never overwritten, never printed); and, when MEDHOOK_DB_HOST is set, a database connection
# and dynamic-credential roles per service. Running it again changes nothing that is already right, and fails, without
# touching anything, when something exists with a different type. See README.md.
set -euo pipefail

: "${VAULT_ADDR:?set VAULT_ADDR, e.g. https://vault.vault.svc:8200}"
: "${VAULT_TOKEN:?set VAULT_TOKEN to a token allowed to manage mounts, auth methods and policies}"
HERE=$(cd "$(dirname "$0")" && pwd)

NAMESPACE=${MEDHOOK_NAMESPACE:-medhook}                  # Kubernetes namespace of the MedHook pods
KV_MOUNT=${MEDHOOK_VAULT_KV_MOUNT:-secret}
TRANSIT_MOUNT=${MEDHOOK_VAULT_TRANSIT_MOUNT:-transit}
DB_MOUNT=${MEDHOOK_VAULT_DB_MOUNT:-database}
K8S_MOUNT=${MEDHOOK_VAULT_K8S_MOUNT:-kubernetes}
KUBERNETES_HOST=${KUBERNETES_HOST:-https://kubernetes.default.svc}
TOKEN_TTL=${MEDHOOK_VAULT_TOKEN_TTL:-1h}
TOKEN_MAX_TTL=${MEDHOOK_VAULT_TOKEN_MAX_TTL:-24h}
DB_HOST=${MEDHOOK_DB_HOST:-}
DB_PORT=${MEDHOOK_DB_PORT:-5432}
DB_SSLMODE=${MEDHOOK_DB_SSLMODE:-verify-full}
DB_PREFIX=${MEDHOOK_DB_PREFIX:-medhook_}   # databases and group roles <prefix>auth, <prefix>workflow, <prefix>audit (postgres/roles.sql)
DB_CREDS_TTL=${MEDHOOK_DB_CREDS_TTL:-1h}
DB_CREDS_MAX_TTL=${MEDHOOK_DB_CREDS_MAX_TTL:-24h}

# service             policy            database (dynamic logins: role=group role the login joins; "-": none)
SERVICES=(
  "auth-service       medhook-auth      ${DB_PREFIX}auth     auth-service=${DB_PREFIX}auth"
  "workflow-service   medhook-workflow  ${DB_PREFIX}workflow workflow-service=${DB_PREFIX}workflow"
  "audit-service      medhook-audit     ${DB_PREFIX}audit    -"
)
# audit-service's three logins have fixed names (its migrations grant the writer and retention roles their narrow
# rights, and readiness checks them), so they are not dynamic: their passwords live in KV, field "password", written
# here from the environment when given (the same values postgres/roles.sql sets in PostgreSQL).
#   KV path under medhook/        environment variable
AUDIT_LOGINS=(
  "database/audit-owner          MEDHOOK_AUDIT_DB_OWNER_PASSWORD"
  "database/audit-writer         MEDHOOK_AUDIT_DB_WRITER_PASSWORD"
  "database/audit-retention      MEDHOOK_AUDIT_DB_RETENTION_PASSWORD"
)
# Transit key          type           derived
TRANSIT_KEYS=(
  "medhook-auth        aes256-gcm96   true"
  "medhook-workflow    aes256-gcm96   true"
  "medhook-audit-checkpoints ed25519 false"
)
# KV v2 secrets under <kv-mount>/medhook/ that the bootstrap generates when absent:
#   name                              field                                 generator
GENERATED_SECRETS=(
  "service-clients/auth-service      value                                 urlsafe32"
  "service-clients/workflow-service  value                                 urlsafe32"
  "service-clients/audit-service     value                                 urlsafe32"
  "oidc/flow-key                     value                                 base64-32"
  "config/auth-service               medhook.auth.bootstrap.admin-password urlsafe32"
)

log() { printf 'vault-config: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

CURL_OPTS=(-sS --max-time 30 -H "X-Vault-Token: ${VAULT_TOKEN}")
[[ -n "${VAULT_NAMESPACE:-}" ]] && CURL_OPTS+=(-H "X-Vault-Namespace: ${VAULT_NAMESPACE}")
[[ -n "${VAULT_CACERT:-}" ]] && CURL_OPTS+=(--cacert "${VAULT_CACERT}")
BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT

# vault METHOD PATH [JSON]: sets STATUS and leaves the response body in $BODY. Never echoes the request body (it may
# hold secrets). Call it directly, not in $(...), so that STATUS reaches the caller.
vault() {
  local method=$1 path=$2 data=${3:-}
  if [[ -n "$data" ]]; then
    STATUS=$(curl "${CURL_OPTS[@]}" -o "$BODY" -w '%{http_code}' -X "$method" -H 'Content-Type: application/json' \
      --data-binary @- "${VAULT_ADDR%/}/v1/${path}" <<<"$data") || die "cannot reach Vault at ${VAULT_ADDR}"
  else
    STATUS=$(curl "${CURL_OPTS[@]}" -o "$BODY" -w '%{http_code}' -X "$method" "${VAULT_ADDR%/}/v1/${path}") \
      || die "cannot reach Vault at ${VAULT_ADDR}"
  fi
}

# vault_ok METHOD PATH [JSON]: like vault, but any status other than 2xx stops the script with Vault's errors.
vault_ok() {
  vault "$@"
  if [[ ! "$STATUS" =~ ^2 ]]; then
    die "$1 $2 answered ${STATUS}: $(jq -c '.errors // empty' "$BODY" 2>/dev/null || true)"
  fi
}

# --- 0. Vault must be initialised and unsealed ----------------------------------------------------------------------
vault GET sys/health
case "$STATUS" in
  200|429|472|473) ;;
  501) die "Vault at ${VAULT_ADDR} is not initialised" ;;
  503) die "Vault at ${VAULT_ADDR} is sealed" ;;
  *) die "Vault health answered ${STATUS}" ;;
esac
log "Vault $(jq -r '.version // "?"' "$BODY") at ${VAULT_ADDR}"

# --- 1. engines -----------------------------------------------------------------------------------------------------
ensure_mount() { # path type [kv version]
  local path=$1 type=$2 version=${3:-} mounts have
  vault_ok GET sys/mounts
  mounts=$(cat "$BODY")
  have=$(jq -r --arg p "$path/" '.data[$p].type // empty' <<<"$mounts")
  if [[ -z "$have" ]]; then
    if [[ -n "$version" ]]; then
      vault_ok POST "sys/mounts/$path" "$(jq -nc --arg t "$type" --arg v "$version" '{type:$t, options:{version:$v}, description:"MedHook"}')"
    else
      vault_ok POST "sys/mounts/$path" "$(jq -nc --arg t "$type" '{type:$t, description:"MedHook"}')"
    fi
    log "enabled $type at $path/"
  elif [[ "$have" != "$type" ]]; then
    die "$path/ is already a $have engine, not $type; choose another mount (MEDHOOK_VAULT_*_MOUNT)"
  elif [[ -n "$version" && "$(jq -r --arg p "$path/" '.data[$p].options.version // "1"' <<<"$mounts")" != "$version" ]]; then
    die "$path/ is KV version 1; MedHook needs KV version 2 (vault kv enable-versioning $path/)"
  else
    log "$type at $path/ exists"
  fi
}
ensure_mount "$KV_MOUNT" kv 2
ensure_mount "$TRANSIT_MOUNT" transit
[[ -n "$DB_HOST" ]] && ensure_mount "$DB_MOUNT" database

# --- 2. Kubernetes auth ---------------------------------------------------------------------------------------------
vault_ok GET sys/auth
auths=$(cat "$BODY")
have=$(jq -r --arg p "$K8S_MOUNT/" '.data[$p].type // empty' <<<"$auths")
if [[ -z "$have" ]]; then
  vault_ok POST "sys/auth/$K8S_MOUNT" '{"type":"kubernetes","description":"MedHook service accounts"}'
  log "enabled kubernetes auth at auth/$K8S_MOUNT/"
elif [[ "$have" != kubernetes ]]; then
  die "auth/$K8S_MOUNT/ is already a $have auth method"
fi
k8s_config=$(jq -nc --arg h "$KUBERNETES_HOST" '{kubernetes_host:$h}')
if [[ -n "${KUBERNETES_CA_CERT_FILE:-}" ]]; then
  k8s_config=$(jq -c --rawfile ca "$KUBERNETES_CA_CERT_FILE" '. + {kubernetes_ca_cert:$ca}' <<<"$k8s_config")
fi
vault_ok POST "auth/$K8S_MOUNT/config" "$k8s_config"

# --- 3. policies (mount names substituted when they are not the defaults) -------------------------------------------
for file in "$HERE"/policies/*.hcl; do
  name=$(basename "$file" .hcl)
  text=$(sed -e "s#\"secret/#\"${KV_MOUNT}/#; s#\"transit/#\"${TRANSIT_MOUNT}/#; s#\"database/#\"${DB_MOUNT}/#" "$file")
  vault_ok PUT "sys/policies/acl/$name" "$(jq -nc --arg p "$text" '{policy:$p}')"
  log "policy $name written"
done

# --- 4. one Kubernetes auth role per service account ----------------------------------------------------------------
for row in "${SERVICES[@]}"; do
  read -r service policy _ <<<"$row"
  vault_ok POST "auth/$K8S_MOUNT/role/$service" "$(jq -nc --arg sa "$service" --arg ns "$NAMESPACE" --arg p "$policy" \
    --arg ttl "$TOKEN_TTL" --arg max "$TOKEN_MAX_TTL" \
    '{bound_service_account_names:[$sa], bound_service_account_namespaces:[$ns], token_policies:[$p],
      token_ttl:$ttl, token_max_ttl:$max}')"
  log "role $service -> $policy"
done

# --- 5. Transit keys: created once, never deletable, never exportable -----------------------------------------------
for row in "${TRANSIT_KEYS[@]}"; do
  read -r key type derived <<<"$row"
  vault GET "$TRANSIT_MOUNT/keys/$key"
  out=$(cat "$BODY")
  if [[ "$STATUS" == 404 ]]; then
    vault_ok POST "$TRANSIT_MOUNT/keys/$key" "$(jq -nc --arg t "$type" --argjson d "$derived" \
      '{type:$t, derived:$d, exportable:false, allow_plaintext_backup:false}')"
    log "transit key $key ($type) created"
  elif [[ "$STATUS" =~ ^2 ]]; then
    [[ "$(jq -r '.data.type' <<<"$out")" == "$type" ]] || die "transit key $key exists with type $(jq -r '.data.type' <<<"$out"), not $type"
    [[ "$(jq -r '.data.derived' <<<"$out")" == "$derived" ]] || die "transit key $key exists with derived=$(jq -r '.data.derived' <<<"$out"), not $derived"
    log "transit key $key exists (latest version $(jq -r '.data.latest_version' <<<"$out"))"
  else
    die "GET $TRANSIT_MOUNT/keys/$key answered $STATUS"
  fi
  config='{"deletion_allowed":false}'
  if [[ -n "${MEDHOOK_TRANSIT_AUTO_ROTATE:-}" ]]; then
    config=$(jq -nc --arg p "$MEDHOOK_TRANSIT_AUTO_ROTATE" '{deletion_allowed:false, auto_rotate_period:$p}')
  fi
  vault_ok POST "$TRANSIT_MOUNT/keys/$key/config" "$config"
done

# --- 6. generated secrets: written only when absent (check-and-set 0), never printed --------------------------------
generate() {
  case "$1" in
    urlsafe32) head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' ;;
    base64-32) head -c 32 /dev/urandom | base64 | tr -d '\n' ;;
    *) die "unknown generator $1" ;;
  esac
}
for row in "${GENERATED_SECRETS[@]}"; do
  read -r name field gen <<<"$row"
  vault POST "$KV_MOUNT/data/medhook/$name" "$(jq -nc --arg f "$field" --arg v "$(generate "$gen")" \
    '{options:{cas:0}, data:{($f):$v}}')"
  out=$(cat "$BODY")
  if [[ "$STATUS" =~ ^2 ]]; then
    log "secret medhook/$name generated"
  elif [[ "$STATUS" == 400 ]] && jq -e '.errors | any(test("check-and-set"))' <<<"$out"; then
    log "secret medhook/$name exists, kept"
  else
    die "writing medhook/$name answered $STATUS"
  fi
done

# --- 6b. audit-service's login passwords, from the environment (never generated here: PostgreSQL must have the same) -
for row in "${AUDIT_LOGINS[@]}"; do
  read -r name var <<<"$row"
  value=${!var:-}
  if [[ -z "$value" ]]; then
    vault GET "$KV_MOUNT/data/medhook/$name"
    if [[ "$STATUS" == 200 ]]; then log "secret medhook/$name exists, kept"; else log "warning: $var not set and medhook/$name absent: audit-service will not start until it is written"; fi
    continue
  fi
  vault GET "$KV_MOUNT/data/medhook/$name"
  if [[ "$STATUS" == 200 ]] && [[ "$(jq -r '.data.data.password // empty' "$BODY")" == "$value" ]]; then
    log "secret medhook/$name up to date"
  else
    vault_ok POST "$KV_MOUNT/data/medhook/$name" "$(jq -nc --arg v "$value" '{data:{password:$v}}')"
    log "secret medhook/$name written"
  fi
done

# --- 7. database engine: one connection and the dynamic-credential roles per service --------------------------------
if [[ -n "$DB_HOST" ]]; then
  : "${MEDHOOK_DB_ADMIN_USER:?set MEDHOOK_DB_ADMIN_USER: the login Vault uses to create and drop service logins}"
  : "${MEDHOOK_DB_ADMIN_PASSWORD:?set MEDHOOK_DB_ADMIN_PASSWORD}"
  for row in "${SERVICES[@]}"; do
    read -r service _ database roles <<<"$row"
    [[ "$roles" == - ]] && continue
    allowed=()
    for pair in $roles; do allowed+=("${pair%%=*}"); done
    vault_ok POST "$DB_MOUNT/config/$database" "$(jq -nc \
      --arg url "postgresql://{{username}}:{{password}}@${DB_HOST}:${DB_PORT}/${database}?sslmode=${DB_SSLMODE}" \
      --arg u "$MEDHOOK_DB_ADMIN_USER" --arg p "$MEDHOOK_DB_ADMIN_PASSWORD" \
      --arg roles "$(IFS=,; echo "${allowed[*]}")" \
      '{plugin_name:"postgresql-database-plugin", connection_url:$url, username:$u, password:$p,
        allowed_roles:$roles, password_authentication:"scram-sha-256", verify_connection:true}')"
    for pair in $roles; do
      role=${pair%%=*} group=${pair#*=}
      # The login joins the service's group role and acts as it (its default `role` setting), so tables Flyway
      # creates belong to the group, and the login owns nothing: revocation is a plain DROP ROLE, which Vault's
      # CREATEROLE login may do (REASSIGN/DROP OWNED would need membership in the dropped login). A login that did
      # own something would fail to drop, and Vault would keep retrying the revocation: visible, never silent.
      vault_ok POST "$DB_MOUNT/roles/$role" "$(jq -nc --arg db "$database" --arg g "$group" \
        --arg ttl "$DB_CREDS_TTL" --arg max "$DB_CREDS_MAX_TTL" \
        '{db_name:$db, default_ttl:$ttl, max_ttl:$max,
          creation_statements:[
            "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '\''{{password}}'\'' VALID UNTIL '\''{{expiration}}'\'' IN ROLE \"" + $g + "\";",
            "ALTER ROLE \"{{name}}\" SET role = \"" + $g + "\";"],
          revocation_statements:["DROP ROLE IF EXISTS \"{{name}}\";"]}')"
      log "database role $role (joins $group) on $database"
    done
  done
else
  log "warning: MEDHOOK_DB_HOST not set: database engine skipped; auth-service and workflow-service get their logins from it (database/creds/<service>)"
fi

log "done"
