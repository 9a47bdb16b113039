# auth-service (Kubernetes auth role auth-service, service account auth-service).
# Kept equal to what auth-service's application.properties names (medhook.secrets.vault.*, the Vault credentials
# provider); vault-config's PolicyMatchesCodeTest fails when the two differ in either direction.
# Token self-renewal and lease renewal come from Vault's built-in "default" policy.

# The JWT signing keys are stored in auth-service's database, their data keys wrapped under this derived
# aes256-gcm96 key (JWTs are signed in-process; see auth-service's README).
path "transit/encrypt/medhook-auth" {
  capabilities = ["update"]
}
path "transit/decrypt/medhook-auth" {
  capabilities = ["update"]
}

# Service-client secrets: auth-service checks every client's secret at the client-credentials grant, and presents
# its own to reach audit-service and workflow-service.
path "secret/data/medhook/service-clients/auth-service" {
  capabilities = ["read"]
}
path "secret/data/medhook/service-clients/workflow-service" {
  capabilities = ["read"]
}
path "secret/data/medhook/service-clients/audit-service" {
  capabilities = ["read"]
}

# OIDC: the login-flow cookie key and each provider's client secret (oidc/<provider>/client-secret).
path "secret/data/medhook/oidc/*" {
  capabilities = ["read"]
}

# Configuration source (quarkus.vault.secret-config-kv-path): the bootstrap admin's password.
path "secret/data/medhook/config/auth-service" {
  capabilities = ["read"]
}

# Its PostgreSQL login: short-lived credentials from the database engine.
path "database/creds/auth-service" {
  capabilities = ["read"]
}
