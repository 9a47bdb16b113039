package io.medhook.workflow.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.secrets.Aead;
import io.medhook.common.secrets.KeyEncryption;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.credential.Credential;
import io.medhook.workflow.credential.CredentialType;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.definition.TriggerDefinition;
import io.medhook.workflow.definition.WorkflowDefinition;
import io.medhook.workflow.definition.WorkflowValidator;
import io.medhook.workflow.schedule.WorkflowSchedules;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Workflows and their immutable versions, per workspace. Owns the transactions; every change is audited. */
@ApplicationScoped
public class WorkflowService {

    public static final String WEBHOOK_PATH = "/api/v1/webhooks/";
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "cookie",
            "set-cookie", "x-api-key", "api-key", "apikey");
    private static final Pattern CREDENTIAL_HEADER_PARTS = Pattern.compile(
            "auth|token|secret|passw|key|cookie|session|signature|credential|bearer");

    private final ObjectMapper json;
    private final KeyEncryption kek;
    private final WorkflowConfig config;

    private final io.vertx.mutiny.sqlclient.Pool pool;

    public WorkflowService(ObjectMapper json, KeyEncryption kek, WorkflowConfig config,
            io.vertx.mutiny.sqlclient.Pool pool) {
        this.json = json;
        this.pool = pool;
        this.kek = kek;
        this.config = config;
    }

    public Uni<WorkflowView> create(UUID workspaceId, WorkflowDefinition def, AuditContext audit) {
        return create(workspaceId, def, audit, null);
    }

    /**
     * Creates a workflow from an exported document: validated like a create, with a new id and a new webhook URL;
     * audited as {@code workflow.create} with {@code "via": "import"}.
     */
    public Uni<WorkflowView> importWorkflow(UUID workspaceId, WorkflowExport doc, AuditContext audit) {
        if (doc == null) {
            throw MedhookException.badRequest("An exported workflow document is required");
        }
        if (!WorkflowExport.FORMAT.equals(doc.format())) {
            throw MedhookException.badRequest("format must be " + WorkflowExport.FORMAT);
        }
        if (doc.definition() == null) {
            throw MedhookException.badRequest("definition is required");
        }
        WorkflowDefinition d = doc.definition();
        WorkflowDefinition def = doc.name() == null ? d
                : new WorkflowDefinition(doc.name(), d.trigger(), d.nodes(), d.edges(), d.settings());
        return create(workspaceId, def, audit, "import");
    }

    /**
     * The credentials nodes name must exist in the workflow's workspace and be of a type the node can use: 422 naming
     * node and field otherwise (another workspace's credential is "does not exist", like an unknown id).
     */
    private Uni<Void> checkCredentials(UUID workspaceId, WorkflowDefinition def) {
        return checkCredentialRefs(workspaceId, def).chain(() -> checkWebhookEndpoints(workspaceId, def));
    }

    /** A webhook node must name an endpoint of this workspace: 422 naming the node otherwise. */
    private Uni<Void> checkWebhookEndpoints(UUID workspaceId, WorkflowDefinition def) {
        Map<String, UUID> refs = WorkflowValidator.webhookRefs(def);
        if (refs.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("select id from webhook_endpoint where workspace_id = $1 and id = any($2)")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(workspaceId,
                        new java.util.HashSet<>(refs.values()).toArray(UUID[]::new)))
                .map(rows -> {
                    java.util.Set<UUID> found = new java.util.HashSet<>();
                    rows.forEach(r -> found.add(r.getUUID("id")));
                    List<Map<String, String>> errors = new java.util.ArrayList<>();
                    refs.forEach((node, id) -> {
                        if (!found.contains(id)) {
                            errors.add(WorkflowValidator.error(node, "params.endpointId",
                                    "no webhook endpoint with this id exists in this workspace"));
                        }
                    });
                    if (!errors.isEmpty()) {
                        throw WorkflowValidator.invalid(errors);
                    }
                    return null;
                }).replaceWithVoid();
    }

    private Uni<Void> checkCredentialRefs(UUID workspaceId, WorkflowDefinition def) {
        List<WorkflowValidator.CredentialRef> refs = WorkflowValidator.credentialRefs(def).stream()
                .filter(r -> !"signature".equals(r.usage())).toList();
        if (refs.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.withSession(() -> Credential.<Credential>list("workspaceId = ?1 and id in ?2", workspaceId,
                List.copyOf(new java.util.HashSet<>(refs.stream().map(WorkflowValidator.CredentialRef::id)
                        .toList()))))
                .map(found -> {
                    Map<UUID, String> types = new java.util.HashMap<>();
                    found.forEach(c -> types.put(c.id, c.type));
                    List<Map<String, String>> errors = new java.util.ArrayList<>();
                    for (WorkflowValidator.CredentialRef r : refs) {
                        String type = types.get(r.id());
                        if (type == null) {
                            errors.add(WorkflowValidator.error(r.node(), r.field(),
                                    "no credential with this id exists in this workspace"));
                        } else if (!usable(r.usage(), type)) {
                            errors.add(WorkflowValidator.error(r.node(), r.field(), "a credential of type " + type
                                    + " cannot be used by " + ("http".equals(r.usage()) ? "an " : "a ") + r.usage() + " node (usable: "
                                    + usableNames(r.usage()) + ")"));
                        }
                    }
                    if (!errors.isEmpty()) {
                        throw WorkflowValidator.invalid(errors);
                    }
                    return null;
                });
    }

    /** The credential types a reference of this usage ({@code http}, {@code fhir}, {@code s3}, {@code signature}) takes. */
    public static Set<CredentialType> usableTypes(String usage) {
        return switch (usage) {
            case "fhir" -> io.medhook.workflow.engine.FhirNodeRunner.USABLE;
            case "s3" -> Set.of(CredentialType.AWS);
            case "signature" -> Set.of(CredentialType.WEBHOOK_SECRET);
            default -> io.medhook.workflow.engine.HttpNodeRunner.USABLE;
        };
    }

    /** Whether a credential of type {@code typeId} fits a reference of this usage. */
    public static boolean usable(String usage, String typeId) {
        return CredentialType.fromId(typeId).filter(usableTypes(usage)::contains).isPresent();
    }

    static String usableNames(String usage) {
        return String.join(", ", usableTypes(usage).stream().map(CredentialType::id).sorted().toList());
    }

    private Uni<WorkflowView> create(UUID workspaceId, WorkflowDefinition def, AuditContext audit, String via) {
        return create(workspaceId, def, audit, via, null);
    }

    /**
     * A further audit event written in the transaction that saves a version: given the workflow (id, new version),
     * it returns the event (promotion records where the version came from this way).
     */
    public interface ExtraAudit extends java.util.function.Function<Workflow, AuditEvent> {
    }

    /**
     * Saves a promoted definition into a workspace, checked like any save (422 naming node and field), as a new
     * workflow ({@code workflowId} null, audited {@code workflow.create} with {@code "via": "promotion"}) or as the
     * next version of one of its workflows ({@code workflow.update}); {@code extra} is written in the same
     * transaction.
     */
    public Uni<WorkflowView> savePromoted(UUID workspaceId, UUID workflowId, WorkflowDefinition def,
            AuditContext audit, ExtraAudit extra) {
        return workflowId == null ? create(workspaceId, def, audit, "promotion", extra)
                : update(workspaceId, workflowId, def, audit, extra);
    }

    /** The definition of one version of a workflow of this workspace (not deleted); 404 otherwise. */
    public Uni<WorkflowDefinition> version(UUID workspaceId, UUID workflowId, int version) {
        return Panache.withSession(() -> find(workspaceId, workflowId)
                .chain(w -> WorkflowVersion.<WorkflowVersion>findById(new WorkflowVersion.Key(w.id, version))))
                .map(v -> {
                    if (v == null) {
                        throw MedhookException.notFound("Workflow version");
                    }
                    return parse(v.definition);
                });
    }

    private Uni<WorkflowView> create(UUID workspaceId, WorkflowDefinition def, AuditContext audit, String via,
            ExtraAudit extra) {
        WorkflowValidator.validate(def);
        return checkCredentials(workspaceId, def).chain(() -> createChecked(workspaceId, def, audit, via, extra));
    }

    private Uni<WorkflowView> createChecked(UUID workspaceId, WorkflowDefinition def, AuditContext audit,
            String via, ExtraAudit extra) {
        UUID id = Ids.uuidV7();
        String token = Ids.randomToken(32);
        byte[] dataKey = Aead.newKey();
        Instant now = Instant.now();
        return Panache.withSession(() -> checkTrigger(workspaceId, def)
                .chain(() -> SubworkflowCheck.check(workspaceId, null, def,
                        config.engine().maxSubworkflowDepth(), this::parse)))
                .chain(() -> kek.wrap(dataKey, keyContext(workspaceId, id))).chain(wrapped -> {
            Workflow w = new Workflow();
            w.id = id;
            w.workspaceId = workspaceId;
            w.name = def.name().strip();
            w.currentVersion = 1;
            w.active = true;
            w.webhookTokenHash = sha256(token);
            w.webhookTokenEnc = Aead.encrypt(dataKey, token.getBytes(StandardCharsets.UTF_8), aad(workspaceId, id));
            w.dataKeyWrapped = wrapped;
            w.createdAt = now;
            w.updatedAt = now;
            WorkflowVersion v = version(id, 1, def, audit, now);
            return Panache.withTransaction(() -> w.persist().chain(() -> v.persist())
                    .chain(() -> WorkflowSchedules.sync(id, workspaceId, def.trigger(), now))
                    .chain(() -> Panache.getSession())
                    .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, "workflow.create", "workflow",
                            id.toString(), workspaceId.toString(), AuditEvent.Outcome.success,
                            createdChange(WorkflowAudit.of(w, def), via)))
                            .chain(() -> extra == null ? Uni.createFrom().voidItem()
                                    : HibernateAuditOutbox.append(s, extra.apply(w)))))
                    .map(x -> view(w, def, token));
        });
    }

    public Uni<WorkflowView> get(UUID workspaceId, UUID id) {
        return Panache.withSession(() -> find(workspaceId, id)
                .chain(w -> WorkflowVersion.<WorkflowVersion>findById(new WorkflowVersion.Key(id, w.currentVersion))
                        .map(v -> Map.entry(w, v))))
                .chain(e -> token(e.getKey()).map(t -> view(e.getKey(), parse(e.getValue().definition), t)));
    }

    public Uni<List<WorkflowSummary>> list(UUID workspaceId) {
        return Panache.withSession(() -> Workflow.<Workflow>list(
                "workspaceId = ?1 and deletedAt is null order by createdAt desc", workspaceId))
                .map(ws -> ws.stream().map(w -> new WorkflowSummary(w.id.toString(), w.name, w.currentVersion,
                        w.active, w.createdAt, w.updatedAt)).toList());
    }

    /** Saves a new version; earlier versions stay as they were. */
    public Uni<WorkflowView> update(UUID workspaceId, UUID id, WorkflowDefinition def, AuditContext audit) {
        return update(workspaceId, id, def, audit, null);
    }

    private Uni<WorkflowView> update(UUID workspaceId, UUID id, WorkflowDefinition def, AuditContext audit,
            ExtraAudit extra) {
        WorkflowValidator.validate(def);
        Instant now = Instant.now();
        return checkCredentials(workspaceId, def).chain(() -> Panache.withTransaction(() -> checkTrigger(workspaceId,
                def).chain(() -> SubworkflowCheck.check(workspaceId, id, def, config.engine().maxSubworkflowDepth(),
                        this::parse)).chain(() -> find(workspaceId, id)).chain(w -> current(w).chain(previous -> {
            WorkflowAudit before = WorkflowAudit.of(w, previous);
            w.currentVersion = w.currentVersion + 1;
            w.name = def.name().strip();
            w.updatedAt = now;
            WorkflowVersion v = version(id, w.currentVersion, def, audit, now);
            return v.persist().chain(() -> WorkflowSchedules.sync(id, workspaceId, def.trigger(), now))
                    .chain(() -> Panache.getSession())
                    .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, "workflow.update", "workflow",
                            id.toString(), workspaceId.toString(), AuditEvent.Outcome.success,
                            AuditChange.updated(before, WorkflowAudit.of(w, def))))
                            .chain(() -> extra == null ? Uni.createFrom().voidItem()
                                    : HibernateAuditOutbox.append(s, extra.apply(w))))
                    .replaceWith(w);
        })))).chain(w -> token(w).map(t -> view(w, def, t)));
    }

    /** Deletes a workflow: its webhook stops answering at once; its executions stay readable. */
    public Uni<Void> delete(UUID workspaceId, UUID id, AuditContext audit) {
        return Panache.withTransaction(() -> find(workspaceId, id).chain(w -> current(w).chain(def -> {
            WorkflowAudit before = WorkflowAudit.of(w, def);
            w.deletedAt = Instant.now();
            w.active = false;
            return WorkflowSchedules.remove(id).chain(() -> Panache.getSession()).chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit,
                    "workflow.delete", "workflow", id.toString(), workspaceId.toString(), AuditEvent.Outcome.success,
                    AuditChange.deleted(before))));
        })));
    }

    /**
     * Activates or deactivates a workflow. A deactivated workflow's webhook answers 404 and it cannot be run; setting
     * the state it already has changes nothing and is not audited.
     */
    public Uni<WorkflowSummary> setActive(UUID workspaceId, UUID id, boolean active, AuditContext audit) {
        return Panache.withTransaction(() -> find(workspaceId, id).chain(w -> {
            if (w.active == active) {
                return Uni.createFrom().item(w);
            }
            return current(w).chain(def -> {
                WorkflowAudit before = WorkflowAudit.of(w, def);
                w.active = active;
                w.updatedAt = Instant.now();
                Uni<Void> schedule = active ? WorkflowSchedules.resume(id, w.updatedAt) : Uni.createFrom().voidItem();
                return schedule.chain(() -> Panache.getSession()).chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit,
                        active ? "workflow.activate" : "workflow.deactivate", "workflow", id.toString(),
                        workspaceId.toString(), AuditEvent.Outcome.success,
                        AuditChange.updated(before, WorkflowAudit.of(w, def))))).replaceWith(w);
            });
        })).map(w -> new WorkflowSummary(w.id.toString(), w.name, w.currentVersion, w.active, w.createdAt,
                w.updatedAt));
    }

    /** The current version as a self-contained document: no webhook token, credential header values left out. */
    public Uni<WorkflowExport> export(UUID workspaceId, UUID id) {
        return Panache.withSession(() -> find(workspaceId, id).chain(w -> current(w).map(def -> {
            List<WorkflowExport.Redacted> redacted = new ArrayList<>();
            List<NodeDefinition> nodes = new ArrayList<>();
            for (NodeDefinition n : def.nodes()) {
                ObjectNode params = n.params() == null ? null : n.params().deepCopy();
                List<JsonNode> declared = new ArrayList<>();
                declared.add(params == null ? null : params.get("headers"));
                if (params != null && "loop".equals(n.type())) {
                    // a loop's http body declares its headers one level down
                    declared.set(0, params.path("body").path("params").get("headers"));
                }
                if (params != null && "parallel".equals(n.type())) {
                    // so do a parallel node's branches
                    params.path("branches").forEach(b -> declared.add(b.path("params").get("headers")));
                }
                for (JsonNode headers : declared) {
                    if (headers instanceof ObjectNode h) {
                        List<String> names = new ArrayList<>();
                        h.fieldNames().forEachRemaining(names::add);
                        for (String name : names) {
                            if (credentialHeader(name)) {
                                h.put(name, "");
                                redacted.add(new WorkflowExport.Redacted(n.id(), name));
                            }
                        }
                    }
                }
                nodes.add(new NodeDefinition(n.id(), n.type(), params));
            }
            WorkflowDefinition copy = new WorkflowDefinition(w.name, def.trigger(), nodes, def.edgesOrEmpty(),
                    def.settings());
            return new WorkflowExport(WorkflowExport.FORMAT, w.name, copy, w.currentVersion,
                    redacted.isEmpty() ? null : redacted);
        })));
    }

    /** Headers that carry credentials: their values never leave the service in an export. */
    public static boolean credentialHeader(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return CREDENTIAL_HEADERS.contains(n) || CREDENTIAL_HEADER_PARTS.matcher(n).find();
    }

    private static Map<String, Object> createdChange(WorkflowAudit after, String via) {
        if (via == null) {
            return AuditChange.created(after);
        }
        Map<String, Object> change = new LinkedHashMap<>(AuditChange.created(after));
        change.put("via", via);
        return change;
    }

    /** Parses a stored definition. */
    public WorkflowDefinition parse(String definitionJson) {
        try {
            return json.readValue(definitionJson, WorkflowDefinition.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored workflow definition is unreadable", e);
        }
    }

    /**
     * A signature check must name a {@code webhook_secret} credential of the same workspace (422 on
     * {@code trigger.signature.credentialId} otherwise; another workspace's credential is "not found" here too).
     */
    private static Uni<Void> checkTrigger(UUID workspaceId, WorkflowDefinition def) {
        TriggerDefinition.Signature sig = def.trigger() == null ? null : def.trigger().signature();
        if (sig == null) {
            return Uni.createFrom().voidItem();
        }
        UUID credentialId = UUID.fromString(sig.credentialId());
        return Credential.<Credential>find("id = ?1 and workspaceId = ?2", credentialId, workspaceId).firstResult()
                .invoke(c -> {
                    if (c == null) {
                        throw WorkflowValidator.invalidField("trigger.signature.credentialId",
                                "no credential of this workspace has this id");
                    }
                    if (!CredentialType.WEBHOOK_SECRET.id().equals(c.type)) {
                        throw WorkflowValidator.invalidField("trigger.signature.credentialId",
                                "must be a webhook_secret credential");
                    }
                }).replaceWithVoid();
    }

    private Uni<Workflow> find(UUID workspaceId, UUID id) {
        return Workflow.<Workflow>find("id = ?1 and workspaceId = ?2 and deletedAt is null", id, workspaceId)
                .firstResult()
                .onItem().ifNull().failWith(() -> MedhookException.notFound("Workflow"));
    }

    /** The definition of the workflow's current version. */
    private Uni<WorkflowDefinition> current(Workflow w) {
        return WorkflowVersion.<WorkflowVersion>findById(new WorkflowVersion.Key(w.id, w.currentVersion))
                .map(v -> {
                    if (v == null) {
                        throw new IllegalStateException("workflow version missing");
                    }
                    return parse(v.definition);
                });
    }

    private Uni<String> token(Workflow w) {
        return kek.unwrap(w.dataKeyWrapped, keyContext(w.workspaceId, w.id)).map(k -> new String(
                Aead.decrypt(k, w.webhookTokenEnc, aad(w.workspaceId, w.id)), StandardCharsets.UTF_8));
    }

    private WorkflowVersion version(UUID id, int n, WorkflowDefinition def, AuditContext audit, Instant now) {
        WorkflowVersion v = new WorkflowVersion();
        v.workflowId = id;
        v.version = n;
        try {
            v.definition = json.writeValueAsString(def);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("definition cannot be serialised", e);
        }
        v.createdAt = now;
        v.createdBy = audit.actor().id();
        return v;
    }

    private WorkflowView view(Workflow w, WorkflowDefinition def, String token) {
        return new WorkflowView(w.id.toString(), w.workspaceId.toString(), w.name, w.currentVersion, w.active,
                config.publicUrl() + WEBHOOK_PATH + token, def.trigger(), def.nodes(), def.edgesOrEmpty(),
                w.createdAt, w.updatedAt);
    }

    public static String keyContext(UUID workspaceId, UUID workflowId) {
        return "workflow/" + workspaceId + "/" + workflowId;
    }

    private static byte[] aad(UUID workspaceId, UUID workflowId) {
        return ("workflow:" + workspaceId + ":" + workflowId + ":webhook-token").getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
