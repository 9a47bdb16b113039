# workflow-service (Kubernetes auth role workflow-service, service account workflow-service).
# Kept equal to what workflow-service's application.properties names (medhook.secrets.vault.*, the Vault
# credentials provider); vault-config's PolicyMatchesCodeTest fails when the two differ in either direction.
# Token self-renewal and lease renewal come from Vault's built-in "default" policy.

# Data keys of credentials, execution payloads and webhook signing secrets are wrapped under this derived
# aes256-gcm96 key (the context binds each wrapped key to its workspace and record); rewrap moves them to the newest
# key version after a rotation. The key itself never leaves Vault.
path "transit/encrypt/medhook-workflow" {
  capabilities = ["update"]
}
path "transit/decrypt/medhook-workflow" {
  capabilities = ["update"]
}
path "transit/rewrap/medhook-workflow" {
  capabilities = ["update"]
}

# Its own client secret for client-credentials tokens at auth-service (sandbox, audit and auth audiences).
path "secret/data/medhook/service-clients/workflow-service" {
  capabilities = ["read"]
}

# Its PostgreSQL login: short-lived credentials from the database engine.
path "database/creds/workflow-service" {
  capabilities = ["read"]
}
