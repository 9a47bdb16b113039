package io.medhook.workflow.promotion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.medhook.workflow.definition.WorkflowDefinition;
import io.medhook.workflow.definition.WorkflowValidator;
import io.medhook.workflow.workflow.WorkflowService;
import io.medhook.workflow.workflow.WorkflowView;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Promotion: copies one version of a workflow of a sandbox workspace into a production workspace the caller
 * administers. Every credential reference of the version (http/fhir/s3 nodes, loop bodies, parallel branches, the
 * trigger's signature check) must be mapped to a credential of the production workspace that the referencing node can
 * use, and every workflow a subworkflow node calls to a workflow of the production workspace; the copy is rewritten
 * with those ids before it is saved, so the production workflow can never name a sandbox credential (and the save
 * check would refuse one: credentials resolve within their own workspace only). Saved like any version (validated,
 * credentials checked in the production workspace) with a {@code workflow.promote} audit event in the same
 * transaction.
 */
@ApplicationScoped
public class PromotionService {

    private final WorkflowService workflows;
    private final AuthWorkspaces authWorkspaces;
    private final ObjectMapper json;

    public PromotionService(WorkflowService workflows, AuthWorkspaces authWorkspaces, ObjectMapper json) {
        this.workflows = workflows;
        this.authWorkspaces = authWorkspaces;
        this.json = json;
    }

    public Uni<WorkflowView> promote(MedhookPrincipal caller, String bearerToken, UUID sourceWorkspaceId,
            UUID workflowId, int version, PromoteRequest req, AuditContext audit) {
        if (req == null) {
            throw MedhookException.badRequest("A JSON body {\"targetWorkspaceId\", \"credentials\"} is required");
        }
        UUID target = uuid(req.targetWorkspaceId(), "targetWorkspaceId");
        UUID targetWorkflow = req.targetWorkflowId() == null ? null : uuid(req.targetWorkflowId(), "targetWorkflowId");
        Map<UUID, UUID> credentials = ids(req.credentials(), "credentials");
        Map<UUID, UUID> called = ids(req.workflows(), "workflows");
        if (target.equals(sourceWorkspaceId)) {
            throw MedhookException.conflict("A version is promoted to another (production) workspace");
        }
        if (caller.kind() != MedhookPrincipal.Kind.USER || bearerToken == null) {
            throw MedhookException.forbidden("Promotion needs a signed-in user (not an API key)");
        }
        return authWorkspaces.of(bearerToken).chain(mine -> {
            AuthWorkspaceList.Item source = mine.get(sourceWorkspaceId.toString());
            AuthWorkspaceList.Item production = mine.get(target.toString());
            if (source == null || production == null) {
                throw MedhookException.notFound("Workspace");
            }
            if (!"admin".equals(production.role())) {
                throw MedhookException.forbidden("Promotion needs the admin role in the production workspace");
            }
            if (!"sandbox".equals(source.kind()) || !"production".equals(production.kind())) {
                throw MedhookException.conflict("Promotion copies from a sandbox workspace to a production workspace");
            }
            return workflows.version(sourceWorkspaceId, workflowId, version);
        }).chain(def -> {
            WorkflowDefinition copy = rewrite(def, credentials, called, req.name());
            Map<String, String> credentialAudit = new TreeMap<>();
            credentials.forEach((k, v) -> credentialAudit.put(k.toString(), v.toString()));
            Map<String, String> workflowAudit = new TreeMap<>();
            called.forEach((k, v) -> workflowAudit.put(k.toString(), v.toString()));
            return workflows.savePromoted(target, targetWorkflow, copy, audit, w -> AuditEvent.of(audit,
                    "workflow.promote", "workflow", w.id.toString(), target.toString(), AuditEvent.Outcome.success,
                    AuditChange.created(new PromotionAudit(sourceWorkspaceId.toString(), workflowId.toString(),
                            version, target.toString(), w.id.toString(), w.currentVersion, credentialAudit,
                            workflowAudit))));
        });
    }

    /**
     * The version with every credential and called workflow replaced by its production counterpart; 422 naming node
     * and field for a reference without a mapping, and naming the mapping for one that maps nothing of this version.
     * A subworkflow node's pinned {@code version} is dropped (version numbers of the sandbox mean nothing in
     * production): the production workflow's current version is called.
     */
    WorkflowDefinition rewrite(WorkflowDefinition def, Map<UUID, UUID> credentials, Map<UUID, UUID> called,
            String name) {
        List<Map<String, String>> errors = new ArrayList<>();
        Set<UUID> usedCredentials = new java.util.HashSet<>();
        for (WorkflowValidator.CredentialRef r : WorkflowValidator.credentialRefs(def)) {
            usedCredentials.add(r.id());
            if (!credentials.containsKey(r.id())) {
                errors.add(WorkflowValidator.error(r.node(), r.field(), "credential " + r.id()
                        + " is not mapped to a credential of the production workspace (credentials)"));
            }
        }
        Set<UUID> usedWorkflows = new java.util.HashSet<>();
        for (WorkflowValidator.SubworkflowCall c : WorkflowValidator.subworkflowCalls(def)) {
            usedWorkflows.add(c.workflowId());
            if (!called.containsKey(c.workflowId())) {
                errors.add(WorkflowValidator.error(c.node(), "params.workflowId", "workflow " + c.workflowId()
                        + " is not mapped to a workflow of the production workspace (workflows)"));
            }
        }
        inlineSecrets(def, errors);
        credentials.keySet().stream().filter(id -> !usedCredentials.contains(id)).sorted().forEach(id ->
                errors.add(WorkflowValidator.error(null, "credentials." + id, "this version references no such"
                        + " credential")));
        called.keySet().stream().filter(id -> !usedWorkflows.contains(id)).sorted().forEach(id ->
                errors.add(WorkflowValidator.error(null, "workflows." + id, "this version calls no such workflow")));
        if (!errors.isEmpty()) {
            throw WorkflowValidator.invalid(errors);
        }
        ObjectNode tree = json.valueToTree(def);
        replaceCredentials(tree, credentials);
        for (JsonNode n : tree.path("nodes")) {
            if ("subworkflow".equals(n.path("type").asText()) && n.path("params") instanceof ObjectNode p) {
                p.put("workflowId", called.get(UUID.fromString(p.get("workflowId").asText())).toString());
                p.remove("version");
            }
        }
        if (name != null && !name.isBlank()) {
            tree.put("name", name);
        }
        try {
            return json.treeToValue(tree, WorkflowDefinition.class);
        } catch (Exception e) {
            throw new IllegalStateException("the promoted definition cannot be read back");
        }
    }

    /**
     * A header value that carries a credential (the headers an export redacts: {@code Authorization}, cookies, API keys,
     * names with auth/token/secret/key/…) typed into a node of the sandbox would reach production unmapped: 422 naming
     * node and header; such a secret belongs in a credential, which is then mapped.
     */
    private static void inlineSecrets(WorkflowDefinition def, List<Map<String, String>> errors) {
        for (var n : def.nodes()) {
            JsonNode p = n.params();
            if (p == null) {
                continue;
            }
            Map<String, JsonNode> declared = new LinkedHashMap<>();
            declared.put("params.headers", p.get("headers"));
            declared.put("params.body.params.headers", p.path("body").path("params").get("headers"));
            for (int i = 0; i < p.path("branches").size(); i++) {
                declared.put("params.branches[" + i + "].params.headers",
                        p.get("branches").get(i).path("params").get("headers"));
            }
            declared.forEach((field, headers) -> {
                if (headers != null && headers.isObject()) {
                    headers.properties().forEach(h -> {
                        if (WorkflowService.credentialHeader(h.getKey()) && !h.getValue().asText().isEmpty()) {
                            errors.add(WorkflowValidator.error(n.id(), field + "." + h.getKey(), "carries a"
                                    + " credential typed into the sandbox version; put it in a credential and map it"));
                        }
                    });
                }
            });
        }
    }

    /** Replaces every {@code credentialId} value (nodes at any depth, the trigger's signature) found in the map. */
    private static void replaceCredentials(JsonNode node, Map<UUID, UUID> credentials) {
        if (node instanceof ObjectNode o) {
            JsonNode c = o.get("credentialId");
            if (c != null && c.isTextual()) {
                try {
                    UUID mapped = credentials.get(UUID.fromString(c.asText()));
                    if (mapped != null) {
                        o.put("credentialId", mapped.toString());
                    }
                } catch (IllegalArgumentException notAnId) {
                    // validation already refused it; nothing to map
                }
            }
            o.properties().forEach(e -> replaceCredentials(e.getValue(), credentials));
        } else if (node != null && node.isArray()) {
            node.forEach(x -> replaceCredentials(x, credentials));
        }
    }

    private static UUID uuid(String s, String field) {
        if (s == null) {
            throw MedhookException.badRequest(field + " is required");
        }
        try {
            return UUID.fromString(s.strip());
        } catch (IllegalArgumentException e) {
            throw MedhookException.badRequest(field + " is not an id");
        }
    }

    private static Map<UUID, UUID> ids(Map<String, String> m, String field) {
        Map<UUID, UUID> out = new LinkedHashMap<>();
        if (m == null) {
            return out;
        }
        m.forEach((k, v) -> out.put(uuid(k, field + " key"), uuid(v, field + "." + k)));
        return out;
    }
}
