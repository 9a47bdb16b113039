# audit-service (Kubernetes auth role audit-service, service account audit-service).
# Kept equal to what audit-service's application.properties names (medhook.secrets.vault.*, the Vault credentials
# providers); vault-config's PolicyMatchesCodeTest fails when the two differ in either direction.
# Token self-renewal and lease renewal come from Vault's built-in "default" policy.

# Checkpoints of the hash chain are signed inside Vault with this ecdsa-p256 key; the private key never leaves it.
path "transit/sign/medhook-audit" {
  capabilities = ["update"]
}
path "transit/verify/medhook-audit" {
  capabilities = ["update"]
}

# Its own client secret for client-credentials tokens at auth-service.
path "secret/data/medhook/service-clients/audit-service" {
  capabilities = ["read"]
}

# Its three PostgreSQL logins: the owner (migrations at start), the append-only writer and the retention pruner.
path "database/creds/audit-service" {
  capabilities = ["read"]
}
path "database/creds/audit-writer" {
  capabilities = ["read"]
}
path "database/creds/audit-retention" {
  capabilities = ["read"]
}
