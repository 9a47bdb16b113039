# audit-service (Kubernetes auth role audit-service, service account audit-service).
# Kept equal to what audit-service's application.properties names (medhook.secrets.vault.*, the Vault credentials
# providers); vault-config's PolicyMatchesCodeTest fails when the two differ in either direction.
# Token self-renewal comes from Vault's built-in "default" policy.

# Checkpoints of the hash chain are signed inside Vault with this ed25519 key; the private key never leaves it. The
# public keys (every version) are read to publish them for offline verification of exports.
path "transit/sign/medhook-audit-checkpoints" {
  capabilities = ["update"]
}
path "transit/keys/medhook-audit-checkpoints" {
  capabilities = ["read"]
}

# Its own client secret for client-credentials tokens at auth-service.
path "secret/data/medhook/service-clients/audit-service" {
  capabilities = ["read"]
}

# The passwords of its three fixed PostgreSQL logins: owner (migrations at start), append-only writer, pruner.
path "secret/data/medhook/database/audit-owner" {
  capabilities = ["read"]
}
path "secret/data/medhook/database/audit-writer" {
  capabilities = ["read"]
}
path "secret/data/medhook/database/audit-retention" {
  capabilities = ["read"]
}
