package io.medhook.workflow.definition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The graph view of a definition: predecessors per node and a topological order. */
public final class Dag {

    private final List<String> order;
    private final Map<String, List<String>> predecessors;

    private Dag(List<String> order, Map<String, List<String>> predecessors) {
        this.order = order;
        this.predecessors = predecessors;
    }

    /** Builds the DAG; returns null when the edges contain a cycle. Edges must reference existing nodes. */
    public static Dag of(WorkflowDefinition def) {
        Map<String, List<String>> preds = new LinkedHashMap<>();
        Map<String, List<String>> succs = new LinkedHashMap<>();
        Map<String, Integer> indegree = new LinkedHashMap<>();
        for (NodeDefinition n : def.nodes()) {
            preds.put(n.id(), new ArrayList<>());
            succs.put(n.id(), new ArrayList<>());
            indegree.put(n.id(), 0);
        }
        for (EdgeDefinition e : def.edgesOrEmpty()) {
            preds.get(e.to()).add(e.from());
            succs.get(e.from()).add(e.to());
            indegree.merge(e.to(), 1, Integer::sum);
        }
        Deque<String> ready = new ArrayDeque<>();
        indegree.forEach((id, d) -> {
            if (d == 0) {
                ready.add(id);
            }
        });
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String id = ready.poll();
            order.add(id);
            for (String s : succs.get(id)) {
                if (indegree.merge(s, -1, Integer::sum) == 0) {
                    ready.add(s);
                }
            }
        }
        return order.size() == def.nodes().size() ? new Dag(List.copyOf(order), preds) : null;
    }

    public List<String> order() {
        return order;
    }

    public List<String> predecessors(String nodeId) {
        return predecessors.getOrDefault(nodeId, List.of());
    }
}
