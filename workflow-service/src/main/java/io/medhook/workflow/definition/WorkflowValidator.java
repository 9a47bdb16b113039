package io.medhook.workflow.definition;

import com.fasterxml.jackson.databind.JsonNode;
import io.medhook.common.problem.MedhookException;
import io.medhook.workflow.schedule.CronSchedule;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a definition before it is saved. Every problem is reported at once, each naming the node or edge, in a 422
 * problem+json with an {@code errors} array.
 */
public final class WorkflowValidator {

    public static final Set<String> NODE_TYPES = Set.of("code", "http", "condition", "loop", "wait", "fhir",
            "webhook", "parallel", "subworkflow", "s3");
    /** Node types a parallel branch can be. */
    public static final Set<String> BRANCH_TYPES = Set.of("code", "http", "fhir", "s3");
    public static final Set<String> S3_OPERATIONS = Set.of("put", "get", "list", "delete");
    private static final Pattern S3_BUCKET = Pattern.compile("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]");
    private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
    /** Upper bound of a parallel node's branches and of its {@code maxConcurrency}. */
    public static final int MAX_BRANCHES = 20;
    public static final Set<String> FHIR_INTERACTIONS = Set.of("read", "search", "create", "update", "transaction",
            "delete", "patch");
    /** Upper bound of a fhir search's {@code maxPages}. */
    public static final int MAX_FHIR_PAGES = 20;
    private static final Pattern FHIR_RESOURCE_TYPE = Pattern.compile("[A-Z][A-Za-z]{1,63}");
    private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    private static final Pattern FHIR_SEARCH_NAME = Pattern.compile("[A-Za-z0-9_:.\\-]{1,128}");
    public static final Set<String> CONDITION_OPS = Set.of("eq", "ne", "gt", "lt", "exists");
    public static final Set<String> LOOP_BODY_TYPES = Set.of("code", "http");
    /** Upper bound of a loop's {@code maxItems}. */
    public static final int MAX_LOOP_ITEMS = 1000;
    /** Upper bound of a wait node's {@code seconds} (7 days); the engine may be configured lower. */
    public static final long MAX_WAIT_SECONDS = 7L * 24 * 3600;
    /** Upper bound of {@code settings.timeoutSeconds} (7 days); the engine caps it at its configured maximum. */
    public static final long MAX_TIMEOUT_SECONDS = 7L * 24 * 3600;
    /** Upper bound of {@code settings.maxConcurrency}. */
    public static final int MAX_CONCURRENCY = 1000;
    private static final Pattern DOT_PATH = Pattern.compile("[^.]{1,128}(\\.[^.]{1,128}){0,31}");
    public static final Set<String> HTTP_METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD");
    public static final Set<String> SIGNATURE_SCHEMES = Set.of("standard-webhooks", "hmac-sha256");
    public static final Set<String> MISSED = Set.of("skip", "catch-up");
    static final int MAX_NODES = 200;
    static final int MAX_SOURCE_CHARS = 256 * 1024;
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");

    private WorkflowValidator() {
    }

    /** Validates and returns the DAG; throws a 422 {@link MedhookException} listing every problem. */
    public static Dag validate(WorkflowDefinition def) {
        List<Map<String, String>> errors = new ArrayList<>();
        if (def == null) {
            throw MedhookException.badRequest("A workflow definition is required");
        }
        if (def.name() == null || def.name().isBlank()) {
            errors.add(error(null, "name", "is required"));
        } else if (def.name().length() > 200) {
            errors.add(error(null, "name", "is longer than 200 characters"));
        }
        trigger(def.trigger(), errors);
        settings(def.settings(), errors);
        if (def.nodes() == null || def.nodes().isEmpty()) {
            errors.add(error(null, "nodes", "at least one node is required"));
            throw invalid(errors);
        }
        if (def.nodes().size() > MAX_NODES) {
            errors.add(error(null, "nodes", "at most " + MAX_NODES + " nodes are allowed"));
            throw invalid(errors);
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < def.nodes().size(); i++) {
            NodeDefinition n = def.nodes().get(i);
            if (n == null || n.id() == null || !NODE_ID.matcher(n.id()).matches()) {
                errors.add(error(null, "nodes[" + i + "].id", "must be 1-64 letters, digits, '_' or '-'"));
                continue;
            }
            if (!ids.add(n.id())) {
                errors.add(error(n.id(), "id", "is used by more than one node"));
            }
            if (n.type() == null || !NODE_TYPES.contains(n.type())) {
                errors.add(error(n.id(), "type", "unknown node type; known types: " + String.join(", ", new java.util.TreeSet<>(NODE_TYPES))));
                continue;
            }
            switch (n.type()) {
                case "code" -> code(n, errors);
                case "http" -> http(n, errors);
                case "condition" -> condition(n, errors);
                case "loop" -> loop(n, errors);
                case "wait" -> waitNode(n, errors);
                case "fhir" -> fhir(n, errors);
                case "webhook" -> webhookNode(n, errors);
                case "parallel" -> parallel(n, errors);
                case "subworkflow" -> subworkflow(n, errors);
                case "s3" -> s3(n, errors);
                default -> throw new IllegalStateException();
            }
        }
        Set<String> seenEdges = new HashSet<>();
        List<EdgeDefinition> edges = def.edgesOrEmpty();
        for (int i = 0; i < edges.size(); i++) {
            EdgeDefinition e = edges.get(i);
            String where = "edges[" + i + "]";
            if (e == null || e.from() == null || e.to() == null) {
                errors.add(error(null, where, "needs from and to"));
                continue;
            }
            if (!ids.contains(e.from())) {
                errors.add(error(e.from(), where + ".from", "no node has this id"));
            }
            if (!ids.contains(e.to())) {
                errors.add(error(e.to(), where + ".to", "no node has this id"));
            }
            if (e.from().equals(e.to())) {
                errors.add(error(e.from(), where, "a node cannot feed itself"));
            }
            if (!seenEdges.add(e.from() + "\u0000" + e.to())) {
                errors.add(error(e.from(), where, "duplicate edge"));
            }
            String fromType = typeOf(def, e.from());
            if ("condition".equals(fromType) && e.when() == null) {
                errors.add(error(e.from(), where + ".when",
                        "edges out of a condition must be labelled \"when\": true or false"));
            } else if (fromType != null && !"condition".equals(fromType) && e.when() != null) {
                errors.add(error(e.from(), where + ".when", "only edges out of a condition carry \"when\""));
            }
        }
        for (NodeDefinition n : def.nodes()) {
            if (n != null && "condition".equals(n.type()) && n.id() != null
                    && edges.stream().noneMatch(e -> e != null && n.id().equals(e.from()))) {
                errors.add(error(n.id(), "edges", "a condition needs at least one outgoing edge with \"when\""));
            }
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        Dag dag = Dag.of(def);
        if (dag == null) {
            errors.add(error(null, "edges", "the edges form a cycle"));
        }
        unreachable(def, errors);
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return dag;
    }

    private static void trigger(TriggerDefinition t, List<Map<String, String>> errors) {
        if (t == null || t.type() == null) {
            errors.add(error(null, "trigger.type", "is required"));
            return;
        }
        switch (t.type()) {
            case "webhook" -> {
                if (t.cron() != null || t.timeZone() != null || t.missed() != null) {
                    errors.add(error(null, "trigger", "cron, timeZone and missed belong to a schedule trigger"));
                }
                if (t.signature() != null) {
                    signature(t.signature(), errors);
                }
            }
            case "schedule" -> {
                if (t.signature() != null) {
                    errors.add(error(null, "trigger.signature", "belongs to a webhook trigger"));
                }
                try {
                    CronSchedule.parse(t.cron(), "UTC");
                } catch (IllegalArgumentException e) {
                    errors.add(error(null, "trigger.cron", e.getMessage()));
                }
                if (t.timeZone() != null) {
                    try {
                        CronSchedule.parse("0 0 * * *", t.timeZone());
                    } catch (IllegalArgumentException e) {
                        errors.add(error(null, "trigger.timeZone", e.getMessage()));
                    }
                }
                if (t.missed() != null && !MISSED.contains(t.missed())) {
                    errors.add(error(null, "trigger.missed", "must be skip or catch-up"));
                }
            }
            default -> errors.add(error(null, "trigger.type", "must be webhook or schedule"));
        }
    }

    private static void signature(TriggerDefinition.Signature s, List<Map<String, String>> errors) {
        if (s.scheme() == null || !SIGNATURE_SCHEMES.contains(s.scheme())) {
            errors.add(error(null, "trigger.signature.scheme", "must be standard-webhooks or hmac-sha256"));
        }
        if (s.credentialId() == null) {
            errors.add(error(null, "trigger.signature.credentialId", "is required (a webhook_secret credential)"));
        } else {
            try {
                java.util.UUID.fromString(s.credentialId());
            } catch (IllegalArgumentException e) {
                errors.add(error(null, "trigger.signature.credentialId", "is not a credential id"));
            }
        }
        if ("standard-webhooks".equals(s.scheme()) && s.header() != null) {
            errors.add(error(null, "trigger.signature.header",
                    "standard-webhooks uses webhook-id, webhook-timestamp and webhook-signature"));
        }
        if (s.header() != null && !s.header().matches("[A-Za-z0-9!#$%&'*+.^_`|~\\-]{1,128}")) {
            errors.add(error(null, "trigger.signature.header", "must be an HTTP header name"));
        }
        if ("hmac-sha256".equals(s.scheme()) && s.toleranceSeconds() != null) {
            errors.add(error(null, "trigger.signature.toleranceSeconds",
                    "applies to standard-webhooks only (hmac-sha256 signs no timestamp)"));
        }
        if (s.toleranceSeconds() != null && (s.toleranceSeconds() < 1 || s.toleranceSeconds() > 3600)) {
            errors.add(error(null, "trigger.signature.toleranceSeconds", "must be between 1 and 3600"));
        }
    }

    /** A 422 naming one field, for checks that need the database (a credential reference). */
    public static MedhookException invalidField(String field, String message) {
        List<Map<String, String>> errors = new ArrayList<>();
        errors.add(error(null, field, message));
        return invalid(errors);
    }

    /**
     * The trigger feeds the first nodes (those without incoming edges); every other node must be reachable from one of
     * them along the edges. A node that is not (it sits on, or behind, a cycle no first node leads into) would never
     * run: each is named.
     */
    private static void unreachable(WorkflowDefinition def, List<Map<String, String>> errors) {
        Map<String, List<String>> successors = new LinkedHashMap<>();
        Set<String> hasIncoming = new HashSet<>();
        def.nodes().forEach(n -> successors.put(n.id(), new ArrayList<>()));
        for (EdgeDefinition e : def.edgesOrEmpty()) {
            successors.get(e.from()).add(e.to());
            hasIncoming.add(e.to());
        }
        Set<String> reached = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        successors.keySet().stream().filter(id -> !hasIncoming.contains(id)).forEach(todo::add);
        while (!todo.isEmpty()) {
            String id = todo.poll();
            if (reached.add(id)) {
                todo.addAll(successors.get(id));
            }
        }
        for (String id : successors.keySet()) {
            if (!reached.contains(id)) {
                errors.add(error(id, "edges", "is not reachable from the trigger (no path from a first node)"));
            }
        }
    }

    private static String typeOf(WorkflowDefinition def, String id) {
        return def.nodes().stream().filter(n -> n != null && id.equals(n.id())).map(NodeDefinition::type)
                .findFirst().orElse(null);
    }

    /** Declarative: {@code {"field": "a.b", "op": "eq|ne|gt|lt|exists", "value": …}} against the node's input. */
    private static void condition(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode p = n.params();
        JsonNode field = p == null ? null : p.get("field");
        if (field == null || !field.isTextual() || !DOT_PATH.matcher(field.asText()).matches()) {
            errors.add(error(n.id(), "params.field", "a dot path into the input (e.g. body.status) is required"));
        }
        JsonNode op = p == null ? null : p.get("op");
        if (op == null || !op.isTextual() || !CONDITION_OPS.contains(op.asText())) {
            errors.add(error(n.id(), "params.op", "must be one of eq, ne, gt, lt, exists"));
        } else if (!"exists".equals(op.asText()) && (p.get("value") == null)) {
            errors.add(error(n.id(), "params.value", "is required for " + op.asText()));
        } else if (Set.of("gt", "lt").contains(op.asText()) && !p.get("value").isNumber()
                && !p.get("value").isTextual()) {
            errors.add(error(n.id(), "params.value", "must be a number or a string for " + op.asText()));
        }
        unknownParams(n, Set.of("field", "op", "value"), errors);
    }

    /** {@code {"items": "body.list", "maxItems": 1000, "body": {"type": "http"|"code", "params": {…}}}}. */
    private static void loop(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode p = n.params();
        JsonNode items = p == null ? null : p.get("items");
        if (items == null || !items.isTextual() || !DOT_PATH.matcher(items.asText()).matches()) {
            errors.add(error(n.id(), "params.items", "a dot path into the input to an array is required"));
        }
        JsonNode max = p == null ? null : p.get("maxItems");
        if (max != null && (!max.isIntegralNumber() || max.asLong() < 1 || max.asLong() > MAX_LOOP_ITEMS)) {
            errors.add(error(n.id(), "params.maxItems", "must be an integer from 1 to " + MAX_LOOP_ITEMS));
        }
        JsonNode body = p == null ? null : p.get("body");
        if (body == null || !body.isObject() || !body.path("type").isTextual()
                || !LOOP_BODY_TYPES.contains(body.path("type").asText())) {
            errors.add(error(n.id(), "params.body.type", "the loop body must be a code or http node"));
        } else {
            JsonNode bp = body.get("params");
            NodeDefinition inner = new NodeDefinition(n.id(), body.get("type").asText(),
                    bp != null && bp.isObject() ? (com.fasterxml.jackson.databind.node.ObjectNode) bp : null);
            List<Map<String, String>> innerErrors = new ArrayList<>();
            if ("code".equals(inner.type())) {
                code(inner, innerErrors);
            } else {
                http(inner, innerErrors);
            }
            innerErrors.forEach(e -> errors.add(error(n.id(), "params.body." + e.get("field"), e.get("message"))));
        }
        unknownParams(n, Set.of("items", "maxItems", "body"), errors);
    }

    /** {@code {"workflowId": "<id>", "version": n}}: another workflow of the workspace, a pinned version or its current one. */
    private static void subworkflow(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode p = n.params();
        JsonNode id = p == null ? null : p.get("workflowId");
        if (id == null || !id.isTextual() || !UUID_TEXT.matcher(id.asText()).matches()) {
            errors.add(error(n.id(), "params.workflowId", "the id of a workflow of this workspace is required"));
        }
        JsonNode v = p == null ? null : p.get("version");
        if (v != null && !v.isNull() && (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > Integer.MAX_VALUE)) {
            errors.add(error(n.id(), "params.version", "must be a version number (1 or more); leave it out for the "
                    + "current version"));
        }
        unknownParams(n, Set.of("workflowId", "version"), errors);
    }

    /** A subworkflow node's call: the node, the workflow it calls and the pinned version (null: the current one). */
    public record SubworkflowCall(String node, java.util.UUID workflowId, Integer version) {
    }

    /** The calls of a valid definition's subworkflow nodes, in definition order. */
    public static List<SubworkflowCall> subworkflowCalls(WorkflowDefinition def) {
        List<SubworkflowCall> calls = new ArrayList<>();
        for (NodeDefinition n : def.nodes()) {
            if ("subworkflow".equals(n.type()) && n.params() != null && n.params().path("workflowId").isTextual()) {
                JsonNode v = n.params().get("version");
                calls.add(new SubworkflowCall(n.id(), java.util.UUID.fromString(n.params().get("workflowId").asText()),
                        v == null || v.isNull() ? null : v.asInt()));
            }
        }
        return calls;
    }

    /**
     * {@code {"operation": "put|get|list|delete", "credentialId", "bucket", "key" | "keyPath", "prefix", "maxKeys",
     * "endpoint", "region", "body", "contentType"}}: which fields an operation takes is checked here.
     */
    private static void s3(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode p = n.params();
        JsonNode opNode = p == null ? null : p.get("operation");
        String op = opNode != null && opNode.isTextual() && S3_OPERATIONS.contains(opNode.asText()) ? opNode.asText()
                : null;
        if (op == null) {
            errors.add(error(n.id(), "params.operation", "must be one of put, get, list, delete"));
        }
        JsonNode credential = p == null ? null : p.get("credentialId");
        if (credential == null || !credential.isTextual() || !UUID_TEXT.matcher(credential.asText()).matches()) {
            errors.add(error(n.id(), "params.credentialId", "the id of an aws credential is required"));
        }
        JsonNode bucket = p == null ? null : p.get("bucket");
        if (bucket == null || !bucket.isTextual() || !S3_BUCKET.matcher(bucket.asText()).matches()
                || bucket.asText().contains("..")) {
            errors.add(error(n.id(), "params.bucket", "must be an S3 bucket name (3-63 lower-case letters, digits,"
                    + " '.' and '-')"));
        }
        JsonNode key = p == null ? null : p.get("key");
        JsonNode keyPath = p == null ? null : p.get("keyPath");
        boolean keyed = op != null && !"list".equals(op);
        if (keyed && (key == null) == (keyPath == null)) {
            errors.add(error(n.id(), "params.key", "exactly one of key and keyPath is required for " + op));
        } else if (!keyed && op != null && (key != null || keyPath != null)) {
            errors.add(error(n.id(), key != null ? "params.key" : "params.keyPath", "is not used by list"));
        }
        if (key != null && (!key.isTextual() || !io.medhook.workflow.engine.S3NodeRunner.validKey(key.asText()))) {
            errors.add(error(n.id(), "params.key", "must be 1-1024 bytes without control characters"));
        }
        if (keyPath != null && (!keyPath.isTextual() || !DOT_PATH.matcher(keyPath.asText()).matches())) {
            errors.add(error(n.id(), "params.keyPath", "must be a dot path into the input"));
        }
        JsonNode prefix = p == null ? null : p.get("prefix");
        JsonNode maxKeys = p == null ? null : p.get("maxKeys");
        if (op != null && !"list".equals(op) && (prefix != null || maxKeys != null)) {
            errors.add(error(n.id(), prefix != null ? "params.prefix" : "params.maxKeys", "is used by list only"));
        }
        if (prefix != null && (!prefix.isTextual() || prefix.asText().length() > 1024
                || prefix.asText().chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f))) {
            errors.add(error(n.id(), "params.prefix", "must be a string of at most 1024 characters"));
        }
        if (maxKeys != null && (!maxKeys.isIntegralNumber() || maxKeys.asLong() < 1
                || maxKeys.asLong() > io.medhook.workflow.engine.S3NodeRunner.MAX_KEYS)) {
            errors.add(error(n.id(), "params.maxKeys", "must be an integer from 1 to "
                    + io.medhook.workflow.engine.S3NodeRunner.MAX_KEYS));
        }
        JsonNode body = p == null ? null : p.get("body");
        JsonNode contentType = p == null ? null : p.get("contentType");
        if (op != null && !"put".equals(op) && (body != null || contentType != null)) {
            errors.add(error(n.id(), body != null ? "params.body" : "params.contentType", "is used by put only"));
        }
        if (body != null && (!body.isTextual() || !DOT_PATH.matcher(body.asText()).matches())) {
            errors.add(error(n.id(), "params.body", "must be a dot path into the input (e.g. body.report)"));
        }
        if (contentType != null && (!contentType.isTextual()
                || !contentType.asText().matches("[A-Za-z0-9!#$&^_.+\\-]{1,64}/[A-Za-z0-9!#$&^_.+\\-]{1,64}(;[ -~]{0,128})?"))) {
            errors.add(error(n.id(), "params.contentType", "must be a media type such as text/csv"));
        }
        JsonNode endpoint = p == null ? null : p.get("endpoint");
        if (endpoint != null) {
            url(n, endpoint, "params.endpoint", errors);
            if (endpoint.isTextual() && (endpoint.asText().contains("?") || endpoint.asText().contains("#"))) {
                errors.add(error(n.id(), "params.endpoint", "must not have a query or fragment"));
            }
        }
        JsonNode region = p == null ? null : p.get("region");
        if (region != null && (!region.isTextual() || !AWS_REGION.matcher(region.asText()).matches())) {
            errors.add(error(n.id(), "params.region", "must be a region name such as eu-central-1"));
        }
        unknownParams(n, Set.of("operation", "credentialId", "bucket", "key", "keyPath", "prefix", "maxKeys", "body",
                "contentType", "endpoint", "region"), errors);
    }

    private static void waitNode(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode s = n.params() == null ? null : n.params().get("seconds");
        if (s == null || !s.isIntegralNumber() || s.asLong() < 1 || s.asLong() > MAX_WAIT_SECONDS) {
            errors.add(error(n.id(), "params.seconds", "must be an integer from 1 to " + MAX_WAIT_SECONDS));
        }
        unknownParams(n, Set.of("seconds"), errors);
    }

    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

    /**
     * A {@code webhook} node: {@code {"endpointId": "<webhook endpoint id>", "eventType": "…"}} (event type optional);
     * whether the endpoint exists in the workspace is checked on save by the service ({@link #webhookRefs}).
     */
    private static void webhookNode(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode id = n.params() == null ? null : n.params().get("endpointId");
        if (id == null || !id.isTextual() || !UUID_TEXT.matcher(id.asText()).matches()) {
            errors.add(error(n.id(), "params.endpointId", "must be the id of a webhook endpoint"));
        }
        JsonNode type = n.params() == null ? null : n.params().get("eventType");
        if (type != null && !type.isNull() && (!type.isTextual() || !EVENT_TYPE.matcher(type.asText()).matches())) {
            errors.add(error(n.id(), "params.eventType", "must be letters, digits, '.', '_' and '-' (at most 100)"));
        }
        unknownParams(n, Set.of("endpointId", "eventType"), errors);
    }

    /** The webhook endpoint ids of the webhook nodes by node id, for the check on save. */
    public static Map<String, java.util.UUID> webhookRefs(WorkflowDefinition def) {
        Map<String, java.util.UUID> out = new LinkedHashMap<>();
        for (NodeDefinition n : def.nodes()) {
            if ("webhook".equals(n.type()) && n.params() != null) {
                out.put(n.id(), java.util.UUID.fromString(n.params().get("endpointId").asText()));
            }
        }
        return out;
    }

    /** The payload policies of {@code settings.payloads}: what is kept once an execution has ended. */
    public static final Set<String> PAYLOAD_POLICIES = Set.of("all", "errors", "none");

    /**
     * {@code settings}: an object with at most {@code timeoutSeconds} and {@code maxConcurrency} (integers) and
     * {@code payloads} ({@code all}, {@code errors} or {@code none}).
     */
    private static void settings(JsonNode s, List<Map<String, String>> errors) {
        if (s == null || s.isNull()) {
            return;
        }
        if (!s.isObject()) {
            errors.add(error(null, "settings", "must be an object"));
            return;
        }
        s.fieldNames().forEachRemaining(f -> {
            if (!Set.of("timeoutSeconds", "maxConcurrency", "payloads").contains(f)) {
                errors.add(error(null, "settings." + f,
                        "unknown setting; known: timeoutSeconds, maxConcurrency, payloads"));
            }
        });
        JsonNode p = s.get("payloads");
        if (p != null && !p.isNull() && !(p.isTextual() && PAYLOAD_POLICIES.contains(p.asText()))) {
            errors.add(error(null, "settings.payloads", "must be all, errors or none"));
        }
        JsonNode t = s.get("timeoutSeconds");
        if (t != null && !t.isNull()
                && (!t.isIntegralNumber() || t.asLong() < 1 || t.asLong() > MAX_TIMEOUT_SECONDS)) {
            errors.add(error(null, "settings.timeoutSeconds", "must be an integer from 1 to " + MAX_TIMEOUT_SECONDS));
        }
        JsonNode c = s.get("maxConcurrency");
        if (c != null && !c.isNull() && (!c.isIntegralNumber() || c.asLong() < 1 || c.asLong() > MAX_CONCURRENCY)) {
            errors.add(error(null, "settings.maxConcurrency", "must be an integer from 1 to " + MAX_CONCURRENCY));
        }
    }

    private static void unknownParams(NodeDefinition n, Set<String> known, List<Map<String, String>> errors) {
        if (n.params() != null) {
            n.params().fieldNames().forEachRemaining(f -> {
                if (!known.contains(f)) {
                    errors.add(error(n.id(), "params." + f, "unknown parameter"));
                }
            });
        }
    }

    /**
     * One credential reference of a definition: the node (null for the trigger), the field that holds it, what uses
     * it ({@code http}, {@code fhir}, {@code s3} or {@code signature}: which credential types fit) and the id.
     */
    public record CredentialRef(String node, String field, String usage, java.util.UUID id) {
    }

    /**
     * Every credential reference of a valid definition: http/fhir nodes, http loop bodies, parallel branches and the
     * trigger's signature check, in definition order.
     */
    public static List<CredentialRef> credentialRefs(WorkflowDefinition def) {
        List<CredentialRef> refs = new ArrayList<>();
        TriggerDefinition t = def.trigger();
        if (t != null && t.signature() != null && t.signature().credentialId() != null) {
            refs.add(new CredentialRef(null, "trigger.signature.credentialId", "signature",
                    java.util.UUID.fromString(t.signature().credentialId())));
        }
        for (NodeDefinition n : def.nodes()) {
            JsonNode p = n.params();
            if (p == null) {
                continue;
            }
            if (Set.of("http", "fhir", "s3").contains(n.type())) {
                ref(refs, n.id(), "params.credentialId", n.type(), p.get("credentialId"));
            } else if ("loop".equals(n.type()) && "http".equals(p.path("body").path("type").asText())) {
                ref(refs, n.id(), "params.body.params.credentialId", "http",
                        p.path("body").path("params").get("credentialId"));
            } else if ("parallel".equals(n.type()) && p.path("branches").isArray()) {
                for (int i = 0; i < p.get("branches").size(); i++) {
                    JsonNode b = p.get("branches").get(i);
                    ref(refs, n.id(), "params.branches[" + i + "].params.credentialId", b.path("type").asText(),
                            b.path("params").get("credentialId"));
                }
            }
        }
        return refs;
    }

    private static void ref(List<CredentialRef> refs, String node, String field, String usage, JsonNode id) {
        if (id != null && id.isTextual() && UUID_TEXT.matcher(id.asText()).matches()) {
            refs.add(new CredentialRef(node, field, usage, java.util.UUID.fromString(id.asText())));
        }
    }

    /**
     * {@code {"branches": [{"id", "type", "params"}…], "maxConcurrency": 4, "onFailure": "fail"|"continue"}}: 1-20
     * branches with distinct ids, each a code, http or fhir node checked like one.
     */
    private static void parallel(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode p = n.params();
        JsonNode branches = p == null ? null : p.get("branches");
        if (branches == null || !branches.isArray() || branches.isEmpty() || branches.size() > MAX_BRANCHES) {
            errors.add(error(n.id(), "params.branches", "must be an array of 1 to " + MAX_BRANCHES + " branches"));
        } else {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < branches.size(); i++) {
                JsonNode b = branches.get(i);
                String where = "params.branches[" + i + "]";
                if (!b.isObject()) {
                    errors.add(error(n.id(), where, "must be an object {id, type, params}"));
                    continue;
                }
                JsonNode id = b.get("id");
                if (id == null || !id.isTextual() || !NODE_ID.matcher(id.asText()).matches()) {
                    errors.add(error(n.id(), where + ".id", "must be 1-64 letters, digits, '_' or '-'"));
                } else if (!ids.add(id.asText())) {
                    errors.add(error(n.id(), where + ".id", "is used by more than one branch"));
                }
                b.fieldNames().forEachRemaining(f -> {
                    if (!Set.of("id", "type", "params").contains(f)) {
                        errors.add(error(n.id(), where + "." + f, "unknown field"));
                    }
                });
                JsonNode type = b.get("type");
                if (type == null || !type.isTextual() || !BRANCH_TYPES.contains(type.asText())) {
                    errors.add(error(n.id(), where + ".type", "a branch must be one of "
                            + String.join(", ", new java.util.TreeSet<>(BRANCH_TYPES))));
                    continue;
                }
                JsonNode bp = b.get("params");
                NodeDefinition inner = new NodeDefinition(n.id(), type.asText(),
                        bp != null && bp.isObject() ? (com.fasterxml.jackson.databind.node.ObjectNode) bp : null);
                List<Map<String, String>> innerErrors = new ArrayList<>();
                switch (inner.type()) {
                    case "code" -> code(inner, innerErrors);
                    case "http" -> http(inner, innerErrors);
                    case "fhir" -> fhir(inner, innerErrors);
                    case "s3" -> s3(inner, innerErrors);
                    default -> throw new IllegalStateException();
                }
                innerErrors.forEach(e -> errors.add(error(n.id(), where + "." + e.get("field"), e.get("message"))));
            }
        }
        JsonNode max = p == null ? null : p.get("maxConcurrency");
        if (max != null && (!max.isIntegralNumber() || max.asLong() < 1 || max.asLong() > MAX_BRANCHES)) {
            errors.add(error(n.id(), "params.maxConcurrency", "must be an integer from 1 to " + MAX_BRANCHES));
        }
        JsonNode onFailure = p == null ? null : p.get("onFailure");
        if (onFailure != null && !(onFailure.isTextual() && Set.of("fail", "continue").contains(onFailure.asText()))) {
            errors.add(error(n.id(), "params.onFailure", "must be fail or continue"));
        }
        unknownParams(n, Set.of("branches", "maxConcurrency", "onFailure"), errors);
    }

    /**
     * {@code {"baseUrl", "interaction": "read|search|create|update|transaction", "resourceType", "id", "params",
     * "body", "ifNoneExist", "scope", "credentialId", "headers"}}: which fields an interaction takes is checked here.
     */
    private static void fhir(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode p = n.params();
        url(n, p == null ? null : p.get("baseUrl"), "params.baseUrl", errors);
        JsonNode base = p == null ? null : p.get("baseUrl");
        if (base != null && base.isTextual() && (base.asText().contains("?") || base.asText().contains("#"))) {
            errors.add(error(n.id(), "params.baseUrl", "must not have a query or fragment"));
        }
        JsonNode interaction = p == null ? null : p.get("interaction");
        String i = interaction != null && interaction.isTextual() ? interaction.asText() : null;
        if (i == null || !FHIR_INTERACTIONS.contains(i)) {
            errors.add(error(n.id(), "params.interaction",
                    "must be one of read, search, create, update, patch, delete, transaction"));
            i = null;
        }
        JsonNode type = p == null ? null : p.get("resourceType");
        if ("transaction".equals(i)) {
            if (type != null) {
                errors.add(error(n.id(), "params.resourceType", "is not used by transaction (the input is a Bundle)"));
            }
        } else if (i != null && (type == null || !type.isTextual()
                || !FHIR_RESOURCE_TYPE.matcher(type.asText()).matches())) {
            errors.add(error(n.id(), "params.resourceType", "must be a FHIR resource type such as Patient"));
        }
        JsonNode id = p == null ? null : p.get("id");
        if (i != null && Set.of("read", "update", "patch", "delete").contains(i)) {
            if (id == null || !id.isTextual() || !FHIR_ID.matcher(id.asText()).matches()) {
                errors.add(error(n.id(), "params.id", "is required for " + i
                        + ": 1-64 letters, digits, '-' or '.'"));
            }
        } else if (i != null && id != null) {
            errors.add(error(n.id(), "params.id", "is not used by " + i));
        }
        JsonNode search = p == null ? null : p.get("params");
        if (search != null && !"search".equals(i) && i != null) {
            errors.add(error(n.id(), "params.params", "is used by search only"));
        } else if (search != null && !search.isObject()) {
            errors.add(error(n.id(), "params.params", "must be an object of search parameters"));
        } else if (search != null) {
            search.properties().forEach(e -> {
                JsonNode v = e.getValue();
                boolean scalar = v.isTextual() || v.isNumber() || v.isBoolean();
                boolean list = v.isArray() && !v.isEmpty();
                if (list) {
                    for (JsonNode x : v) {
                        list &= x.isTextual() || x.isNumber() || x.isBoolean();
                    }
                }
                if (!FHIR_SEARCH_NAME.matcher(e.getKey()).matches() || !(scalar || list)) {
                    errors.add(error(n.id(), "params.params",
                            "names must be search parameters and values strings, numbers, booleans or arrays of them"));
                }
            });
        }
        JsonNode body = p == null ? null : p.get("body");
        if (body != null && i != null && !Set.of("create", "update", "patch", "transaction").contains(i)) {
            errors.add(error(n.id(), "params.body", "is used by create, update, patch and transaction only"));
        } else if (body != null && (!body.isTextual() || !DOT_PATH.matcher(body.asText()).matches())) {
            errors.add(error(n.id(), "params.body", "must be a dot path into the input (e.g. body.patient)"));
        }
        JsonNode ifNoneExist = p == null ? null : p.get("ifNoneExist");
        if (ifNoneExist != null && i != null && !"create".equals(i)) {
            errors.add(error(n.id(), "params.ifNoneExist", "is used by create only"));
        } else if (ifNoneExist != null && (!ifNoneExist.isTextual() || ifNoneExist.asText().isBlank()
                || ifNoneExist.asText().length() > 2048 || !ifNoneExist.asText().matches("[\\x21-\\x7e]+"))) {
            errors.add(error(n.id(), "params.ifNoneExist",
                    "must be a search query such as identifier=http://hospital.example/mrn|123 (no spaces)"));
        }
        JsonNode maxPages = p == null ? null : p.get("maxPages");
        if (maxPages != null && i != null && !"search".equals(i)) {
            errors.add(error(n.id(), "params.maxPages", "is used by search only"));
        } else if (maxPages != null && (!maxPages.isIntegralNumber() || maxPages.asLong() < 1
                || maxPages.asLong() > MAX_FHIR_PAGES)) {
            errors.add(error(n.id(), "params.maxPages", "must be an integer from 1 to " + MAX_FHIR_PAGES));
        }
        JsonNode scope = p == null ? null : p.get("scope");
        if (scope != null && (!scope.isTextual() || scope.asText().isBlank() || scope.asText().length() > 1024
                || !scope.asText().matches("[\\x20-\\x7e]+"))) {
            errors.add(error(n.id(), "params.scope", "must be space-separated SMART scopes"));
        }
        credentialAndHeaders(n, p, errors);
        unknownParams(n, Set.of("baseUrl", "interaction", "resourceType", "id", "params", "body", "ifNoneExist",
                "scope", "credentialId", "headers", "maxPages"), errors);
    }

    private static void code(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode src = n.params() == null ? null : n.params().get("source");
        if (src == null || !src.isTextual() || src.asText().isBlank()) {
            errors.add(error(n.id(), "params.source", "a JavaScript source is required"));
        } else if (src.asText().length() > MAX_SOURCE_CHARS) {
            errors.add(error(n.id(), "params.source", "is longer than 256 KiB"));
        }
    }

    private static void http(NodeDefinition n, List<Map<String, String>> errors) {
        JsonNode p = n.params();
        JsonNode method = p == null ? null : p.get("method");
        if (method != null && (!method.isTextual() || !HTTP_METHODS.contains(method.asText()))) {
            errors.add(error(n.id(), "params.method", "must be one of " + HTTP_METHODS));
        }
        url(n, p == null ? null : p.get("url"), "params.url", errors);
        credentialAndHeaders(n, p, errors);
    }

    private static void url(NodeDefinition n, JsonNode url, String field, List<Map<String, String>> errors) {
        if (url == null || !url.isTextual()) {
            errors.add(error(n.id(), field, "is required"));
        } else {
            try {
                URI u = URI.create(url.asText());
                if (u.getScheme() == null || !Set.of("http", "https").contains(u.getScheme().toLowerCase())
                        || u.getHost() == null) {
                    errors.add(error(n.id(), field, "must be an absolute http or https URL"));
                } else if (u.getRawUserInfo() != null) {
                    errors.add(error(n.id(), field, "must not carry credentials; use a credential"));
                }
            } catch (IllegalArgumentException e) {
                errors.add(error(n.id(), field, "is not a valid URL"));
            }
        }
    }

    private static void credentialAndHeaders(NodeDefinition n, JsonNode p, List<Map<String, String>> errors) {
        JsonNode credential = p == null ? null : p.get("credentialId");
        if (credential != null && !credential.isNull()) {
            if (!credential.isTextual() || !UUID_TEXT.matcher(credential.asText()).matches()) {
                errors.add(error(n.id(), "params.credentialId", "must be the id of a credential"));
            }
        }
        JsonNode headers = p == null ? null : p.get("headers");
        if (headers != null && !headers.isNull()) {
            if (!headers.isObject()) {
                errors.add(error(n.id(), "params.headers", "must be an object of header names to strings"));
            } else {
                headers.properties().forEach(h -> {
                    if (!h.getValue().isTextual() || !h.getKey().matches("[A-Za-z0-9!#$%&'*+.^_`|~\\-]{1,128}")) {
                        errors.add(error(n.id(), "params.headers", "header names must be tokens and values strings"));
                    }
                });
            }
        }
    }

    public static Map<String, String> error(String node, String field, String message) {
        Map<String, String> m = new LinkedHashMap<>();
        if (node != null) {
            m.put("node", node.length() > 64 ? node.substring(0, 64) + "…" : node);
        }
        m.put("field", field);
        m.put("message", message);
        return m;
    }

    public static MedhookException invalid(List<Map<String, String>> errors) {
        Map<String, String> first = errors.get(0);
        String where = first.containsKey("node") ? "node '" + first.get("node") + "': " : "";
        return MedhookException.validation("The workflow is not valid: " + where + first.get("field") + " "
                + first.get("message") + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""),
                Map.of("errors", errors));
    }
}
