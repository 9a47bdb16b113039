{{/* The application.properties of one service (ctx: root, service, def, svc). */}}
{{- define "medhook.applicationProperties" -}}
{{- $root := .root -}}
{{- $service := .service -}}
{{- $def := .def -}}
{{- $svc := .svc -}}
{{- $ctx := . -}}
{{- $authUrl := printf "http://%s:%d" (include "medhook.name" (dict "root" $root "service" "auth-service")) 8081 -}}
{{- $auditUrl := printf "http://%s:%d" (include "medhook.name" (dict "root" $root "service" "audit-service")) 8084 -}}
# Rendered by the medhook Helm chart; change values.yaml, not this file.
medhook.security.issuer={{ $root.Values.security.issuer }}
{{- if ne $service "sandbox-service" }}
medhook.security.auth-url={{ $authUrl }}
{{- end }}
quarkus.shutdown.timeout={{ include "medhook.shutdownSeconds" $ctx }}s
{{- if eq $service "workflow-service" }}
medhook.workflow.engine.drain-timeout={{ include "medhook.engineDrainSeconds" $ctx }}s
medhook.workflow.delivery.drain-timeout={{ include "medhook.deliveryDrainSeconds" $ctx }}s
{{- end }}
quarkus.log.console.format=%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ} %-5p [%c{2.}] (%t) requestId=%X{requestId} %s%e%n
{{- if and $root.Values.ingress.hsts.enabled (ne $service "sandbox-service") }}
quarkus.http.header."Strict-Transport-Security".value=max-age={{ int $root.Values.ingress.hsts.maxAgeSeconds }}{{ if $root.Values.ingress.hsts.includeSubDomains }}; includeSubDomains{{ end }}
{{- end }}
{{- if $root.Values.ingress.trustedProxies }}
quarkus.http.proxy.proxy-address-forwarding=true
quarkus.http.proxy.allow-x-forwarded=true
quarkus.http.proxy.enable-forwarded-host=true
quarkus.http.proxy.enable-forwarded-prefix=false
quarkus.http.proxy.trusted-proxies={{ join "," $root.Values.ingress.trustedProxies }}
{{- end }}
{{- if $def.outbox }}
medhook.audit-client.url={{ $auditUrl }}
{{- end }}
{{- if $def.vault }}
# Vault (medhook.secrets.provider=vault in prod): Kubernetes auth with role {{ $service }} and the projected token,
# KV v2 and Transit mounts. The services name their Transit keys and KV secrets themselves (application.properties),
# matching vault-config's policies. %prod. keys: they override the services' own %prod. settings.
%prod.quarkus.vault.url={{ $root.Values.vault.address }}
%prod.quarkus.vault.authentication.kubernetes.auth-mount-path={{ $root.Values.vault.authMount }}
%prod.quarkus.vault.authentication.kubernetes.jwt-token-path=/var/run/secrets/medhook/vault/token
%prod.quarkus.vault.kv-secret-engine-mount-path={{ $root.Values.vault.kvMount }}
%prod.quarkus.vault.transit-secret-engine-mount-path={{ $root.Values.vault.transitMount }}
%prod.medhook.secrets.vault.kv-prefix={{ $root.Values.vault.kvPrefix }}
{{- if $root.Values.vault.caConfigMap }}
%prod.quarkus.vault.tls.ca-cert=/etc/medhook/vault-ca/ca.crt
{{- end }}
%prod.quarkus.vault.tls.use-kubernetes-ca-cert=false
{{- end }}
{{- if $def.database }}
{{- $pg := $root.Values.postgresql }}
{{- $db := index $pg.databases $def.database }}
# PostgreSQL: database {{ $db }}; Flyway migrates over JDBC at start, the service runs on the reactive pool
quarkus.datasource.jdbc.url=jdbc:postgresql://{{ $pg.host }}:{{ int $pg.port }}/{{ $db }}?sslmode={{ $pg.sslMode }}
quarkus.datasource.reactive.url=postgresql://{{ $pg.host }}:{{ int $pg.port }}/{{ $db }}
quarkus.datasource.reactive.postgresql.ssl-mode={{ $pg.sslMode }}
{{- $v := $pg.credentials.vault }}
{{- if eq $pg.credentials.source "vault" }}
{{- if eq $service "audit-service" }}
# owner, writer and retention passwords from Vault KV (fixed role names: the migrations grant rights to them)
%prod.quarkus.vault.credentials-provider.audit-owner.kv-path={{ $v.auditKvPaths.owner }}
%prod.quarkus.vault.credentials-provider.audit-writer.kv-path={{ $v.auditKvPaths.writer }}
%prod.quarkus.vault.credentials-provider.audit-retention.kv-path={{ $v.auditKvPaths.retention }}
{{- else }}
# dynamic credentials from Vault's database secrets engine
%prod.quarkus.vault.credentials-provider.vault-db.credentials-mount={{ $v.mount }}
%prod.quarkus.vault.credentials-provider.vault-db.database-credentials-role={{ index $v.roles $def.database }}
{{- end }}
{{- else }}
# credentials from Kubernetes Secrets (env): switch the services' Vault credentials providers off
%prod.quarkus.datasource.credentials-provider=
{{- if eq $service "audit-service" }}
%prod.quarkus.datasource.writer.credentials-provider=
%prod.quarkus.datasource.retention.credentials-provider=
{{- end }}
{{- end }}
{{- end }}
{{- if eq $service "auth-service" }}
medhook.auth.issuer={{ $root.Values.security.issuer }}
medhook.auth.usage.workflow-url=http://{{ include "medhook.name" (dict "root" $root "service" "workflow-service") }}:8082
medhook.auth.bootstrap.password-file=/tmp/medhook/admin-password
{{- if $root.Values.ingress.host }}
medhook.auth.oidc.public-url=https://{{ $root.Values.ingress.host }}
{{- end }}
{{- range $id, $p := $root.Values.oidc.providers }}
medhook.auth.oidc.providers.{{ $id }}.issuer={{ $p.issuer }}
medhook.auth.oidc.providers.{{ $id }}.client-id={{ $p.clientId }}
{{- with $p.displayName }}
medhook.auth.oidc.providers.{{ $id }}.display-name={{ . }}
{{- end }}
{{- with $p.clientSecretName }}
medhook.auth.oidc.providers.{{ $id }}.client-secret-name={{ . }}
{{- end }}
{{- with $p.scopes }}
medhook.auth.oidc.providers.{{ $id }}.scopes={{ join "," . }}
{{- end }}
{{- with $p.allowedEmailDomains }}
medhook.auth.oidc.providers.{{ $id }}.allowed-email-domains={{ join "," . }}
{{- end }}
{{- if hasKey $p "createUsers" }}
medhook.auth.oidc.providers.{{ $id }}.create-users={{ $p.createUsers }}
{{- end }}
{{- if hasKey $p "enabled" }}
medhook.auth.oidc.providers.{{ $id }}.enabled={{ $p.enabled }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq $service "workflow-service" }}
quarkus.rest-client.sandbox.url=http://{{ include "medhook.name" (dict "root" $root "service" "sandbox-service") }}:8083
{{- if $root.Values.ingress.host }}
medhook.workflow.public-url=https://{{ $root.Values.ingress.host }}
{{- else }}
medhook.workflow.public-url=http://{{ include "medhook.name" $ctx }}:8082
{{- end }}
medhook.workflow.retention.default-days={{ int $root.Values.retention.executionPayloadDays }}
medhook.workflow.retention.interval={{ $root.Values.retention.executionPayloadInterval }}
{{- range $ws, $days := $root.Values.retention.workspaces }}
medhook.workflow.retention.workspaces.{{ $ws }}={{ int $days }}
{{- end }}
{{- end }}
{{- if eq $service "audit-service" }}
medhook.audit.retention.period={{ $root.Values.retention.auditPeriod }}
medhook.audit.retention.interval={{ $root.Values.retention.auditInterval }}
{{- end }}
{{- range $k, $v := $svc.extraConfig }}
{{ $k }}={{ $v }}
{{- end }}
{{- end -}}
