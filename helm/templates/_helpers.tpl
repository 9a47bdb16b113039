{{/*
The four services: static facts that are not values (ports come from each service's application.properties;
ManifestAgreementTest fails when these and the services' quarkus-kubernetes manifests disagree).
*/}}
{{- define "medhook.serviceDefs" -}}
auth-service:
  key: authService
  short: auth
  component: auth
  port: 8081
  managementPort: 9081
  database: auth
  vault: true
  outbox: true
  clientId: auth-service
workflow-service:
  key: workflowService
  short: workflow
  component: workflow
  port: 8082
  managementPort: 9082
  database: workflow
  vault: true
  outbox: true
  clientId: workflow-service
sandbox-service:
  key: sandboxService
  short: sandbox
  component: sandbox
  port: 8083
  managementPort: 9083
  database: ""
  vault: false
  outbox: false
  clientId: ""
audit-service:
  key: auditService
  short: audit
  component: audit
  port: 8084
  managementPort: 9084
  database: audit
  vault: true
  outbox: false
  clientId: audit-service
{{- end -}}

{{- define "medhook.defs" -}}
{{- fromYaml (include "medhook.serviceDefs" .) | toJson -}}
{{- end -}}

{{/* Object name of a service in this release: <release>-<service>, at most 63 characters. */}}
{{- define "medhook.name" -}}
{{- printf "%s-%s" .root.Release.Name .service | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Environment-variable prefix Kubernetes gives a Service (service links): RELEASE_AUTH_SERVICE. */}}
{{- define "medhook.serviceEnv" -}}
{{- include "medhook.name" . | upper | replace "-" "_" | replace "." "_" -}}
{{- end -}}

{{- define "medhook.version" -}}
{{- .svc.image.tag | default .root.Chart.AppVersion -}}
{{- end -}}

{{/* Selector labels: stable over upgrades. */}}
{{- define "medhook.selectorLabels" -}}
app.kubernetes.io/name: {{ .service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Standard labels (STYLE.md): name, instance, version, component, part-of. */}}
{{- define "medhook.labels" -}}
{{ include "medhook.selectorLabels" . }}
app.kubernetes.io/version: {{ include "medhook.version" . | quote }}
app.kubernetes.io/component: {{ .def.component }}
app.kubernetes.io/part-of: medhook
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- with .root.Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of objects that belong to the release rather than one service. */}}
{{- define "medhook.releaseLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: medhook
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod selector of every MedHook pod of this release. */}}
{{- define "medhook.releaseSelector" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: medhook
{{- end -}}

{{/* Image reference: registry/repository:tag or @digest. */}}
{{- define "medhook.image" -}}
{{- $registry := .svc.image.registry | default .root.Values.global.imageRegistry -}}
{{- $repository := .svc.image.repository | default (printf "medhook/%s-%s" .service .svc.runtime) -}}
{{- if .svc.image.digest -}}
{{- printf "%s/%s@%s" $registry $repository .svc.image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry $repository (include "medhook.version" .) -}}
{{- end -}}
{{- end -}}

{{/* Seconds the whole shutdown after SIGTERM may take: the grace period minus the preStop pause minus 5 s of margin. */}}
{{- define "medhook.stopBudget" -}}
{{- sub (sub (int .svc.terminationGracePeriodSeconds) (int .svc.preStopSleepSeconds)) 5 -}}
{{- end -}}

{{/*
Seconds quarkus.shutdown.timeout (in-flight HTTP requests) may take. workflow-service drains after that phase (its
engine, then its webhook dispatcher, each handing back the leases it still holds), so its budget is split: a quarter
for HTTP, half for the engine's executions, the rest for deliveries. The other services use the whole budget for HTTP.
*/}}
{{- define "medhook.shutdownSeconds" -}}
{{- $budget := int (include "medhook.stopBudget" .) -}}
{{- if eq .service "workflow-service" -}}{{ div $budget 4 }}{{- else -}}{{ $budget }}{{- end -}}
{{- end -}}

{{/* workflow-service: seconds the engine waits for executions in flight before handing back their leases. */}}
{{- define "medhook.engineDrainSeconds" -}}
{{- div (int (include "medhook.stopBudget" .)) 2 -}}
{{- end -}}

{{/* workflow-service: seconds the webhook dispatcher waits for sends in flight before handing back their leases. */}}
{{- define "medhook.deliveryDrainSeconds" -}}
{{- $budget := int (include "medhook.stopBudget" .) -}}
{{- sub (sub $budget (div $budget 4)) (div $budget 2) -}}
{{- end -}}

{{/* Container security context of the restricted profile. */}}
{{- define "medhook.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "medhook.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- /* Pod selector of one service of this release */ -}}
{{- define "medhook.peer" -}}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ .service }}
      app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}
