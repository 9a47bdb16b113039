package io.medhook.workflow.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.audit.Sensitive;
import io.medhook.common.audit.Sensitivity;
import io.medhook.workflow.definition.EdgeDefinition;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.definition.WorkflowDefinition;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the audit trail keeps of a workflow ({@code workflow.*} events, through {@code AuditChange}): its shape in
 * clear, node parameters masked as declared on {@link Node}. The webhook token is never part of it.
 */
public record WorkflowAudit(String name, int version, boolean active, String trigger, List<Node> nodes,
        List<Map<String, Object>> edges) {

    /**
     * One node. What a user types into a node can hold patient data or credentials, so only its kind and destination
     * stay clear:
     *
     * @param origin scheme, host and port of an HTTP node's URL: where data goes, kept clear so that a changed
     *        destination is visible
     * @param url the full URL: its path and query may name a patient ({@code /Patient/123?mrn=…}), so PHI
     * @param headerNames the names of an HTTP node's headers (clear: names only)
     * @param headers the header values: {@code Authorization}, API keys and the like, so secret
     * @param source a code node's JavaScript: it may embed credentials (and literal patient data), so secret
     */
    public record Node(String id, String type, String method, String origin, @Sensitive(Sensitivity.PHI) String url,
            List<String> headerNames, @Sensitive(Sensitivity.SECRET) Map<String, String> headers,
            @Sensitive(Sensitivity.SECRET) String source) {

        static Node of(NodeDefinition n) {
            ObjectNode p = n.params();
            // a fhir node's destination is its base URL, an s3 node's its endpoint (none: AWS of the region)
            String url = "fhir".equals(n.type()) ? text(p, "baseUrl")
                    : "s3".equals(n.type()) ? text(p, "endpoint") : text(p, "url");
            Map<String, String> headers = null;
            JsonNode h = p == null ? null : p.get("headers");
            if (h != null && h.isObject()) {
                Map<String, String> m = new LinkedHashMap<>();
                h.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
                headers = m;
            }
            return new Node(n.id(), n.type(), text(p, "method"), origin(url), url,
                    headers == null ? null : List.copyOf(headers.keySet()), headers, text(p, "source"));
        }

        private static String text(ObjectNode p, String field) {
            JsonNode v = p == null ? null : p.get(field);
            return v == null || v.isNull() ? null : v.asText();
        }

        private static String origin(String url) {
            if (url == null) {
                return null;
            }
            try {
                URI u = URI.create(url);
                if (u.getScheme() == null || u.getHost() == null) {
                    return null;
                }
                return u.getScheme().toLowerCase(Locale.ROOT) + "://" + u.getHost()
                        + (u.getPort() < 0 ? "" : ":" + u.getPort());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    static WorkflowAudit of(Workflow w, WorkflowDefinition def) {
        List<Node> nodes = new ArrayList<>();
        if (def.nodes() != null) {
            def.nodes().forEach(n -> nodes.add(Node.of(n)));
        }
        return new WorkflowAudit(w.name, w.currentVersion, w.active,
                def.trigger() == null ? null : def.trigger().type(), nodes,
                def.edgesOrEmpty().stream().map(WorkflowAudit::edge).toList());
    }

    /** {@code from}, {@code to}, and {@code when} only on the labelled edges out of a condition. */
    private static Map<String, Object> edge(EdgeDefinition e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", e.from());
        m.put("to", e.to());
        if (e.when() != null) {
            m.put("when", e.when());
        }
        return m;
    }
}
