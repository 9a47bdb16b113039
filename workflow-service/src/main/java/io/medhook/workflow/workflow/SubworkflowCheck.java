package io.medhook.workflow.workflow;

import io.medhook.workflow.definition.WorkflowDefinition;
import io.medhook.workflow.definition.WorkflowValidator;
import io.medhook.workflow.definition.WorkflowValidator.SubworkflowCall;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The check on save of a definition's subworkflow nodes, inside the caller's Panache session: every called workflow
 * exists in the same workspace (not deleted) with the pinned version; and, following the saved definitions of what is
 * called (a pinned version or the current one) level by level, no chain leads back to the workflow being saved (a
 * cycle, A calls B calls A, compared by workflow id) and no chain nests deeper than {@code max-subworkflow-depth}.
 * Each problem is a 422 naming the subworkflow node of the saved definition where the chain starts.
 */
final class SubworkflowCheck {

    private SubworkflowCheck() {
    }

    /** One call being followed: the node of the saved definition it started from, and where it leads. */
    private record Hop(String origin, UUID workflowId, Integer version) {
    }

    static Uni<Void> check(UUID workspaceId, UUID selfId, WorkflowDefinition def, int maxDepth,
            Function<String, WorkflowDefinition> parse) {
        List<SubworkflowCall> calls = WorkflowValidator.subworkflowCalls(def);
        if (calls.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Map<String, String>> errors = new ArrayList<>();
        List<Hop> first = new ArrayList<>();
        for (SubworkflowCall c : calls) {
            if (c.workflowId().equals(selfId)) {
                errors.add(WorkflowValidator.error(c.node(), "params.workflowId",
                        "a workflow cannot call itself (a cycle)"));
            } else {
                first.add(new Hop(c.node(), c.workflowId(), c.version()));
            }
        }
        return level(workspaceId, selfId, first, 1, maxDepth, parse, errors).invoke(() -> {
            if (!errors.isEmpty()) {
                throw WorkflowValidator.invalid(errors);
            }
        });
    }

    /** Loads the definitions the hops lead to (depth {@code depth}), records problems, and follows their calls. */
    private static Uni<Void> level(UUID workspaceId, UUID selfId, List<Hop> hops, int depth, int maxDepth,
            Function<String, WorkflowDefinition> parse, List<Map<String, String>> errors) {
        if (hops.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Hop> next = new ArrayList<>();
        Map<String, Boolean> reported = new LinkedHashMap<>();
        return Multi.createFrom().iterable(hops)
                .onItem().transformToUniAndConcatenate(hop -> Workflow.<Workflow>find(
                        "id = ?1 and workspaceId = ?2 and deletedAt is null", hop.workflowId(), workspaceId)
                        .firstResult()
                        .chain(w -> {
                            if (w == null) {
                                if (depth == 1) {
                                    errors.add(WorkflowValidator.error(hop.origin(), "params.workflowId",
                                            "no workflow with this id exists in this workspace"));
                                }
                                return Uni.createFrom().voidItem();
                            }
                            int v = hop.version() != null ? hop.version() : w.currentVersion;
                            return WorkflowVersion.<WorkflowVersion>findById(new WorkflowVersion.Key(w.id, v))
                                    .invoke(found -> {
                                        if (found == null) {
                                            if (depth == 1) {
                                                errors.add(WorkflowValidator.error(hop.origin(), "params.version",
                                                        "the called workflow has no version " + v));
                                            }
                                            return;
                                        }
                                        for (SubworkflowCall c : WorkflowValidator.subworkflowCalls(
                                                parse.apply(found.definition))) {
                                            if (c.workflowId().equals(selfId)) {
                                                if (reported.putIfAbsent(hop.origin() + ":cycle", true) == null) {
                                                    errors.add(WorkflowValidator.error(hop.origin(),
                                                            "params.workflowId", "calls a workflow that calls this one"
                                                                    + " back (a cycle)"));
                                                }
                                            } else if (depth + 1 > maxDepth) {
                                                if (reported.putIfAbsent(hop.origin() + ":depth", true) == null) {
                                                    errors.add(WorkflowValidator.error(hop.origin(),
                                                            "params.workflowId", "sub-workflow calls would nest deeper"
                                                                    + " than " + maxDepth));
                                                }
                                            } else {
                                                next.add(new Hop(hop.origin(), c.workflowId(), c.version()));
                                            }
                                        }
                                    }).replaceWithVoid();
                        }))
                .collect().last()
                .chain(() -> depth + 1 > maxDepth ? Uni.createFrom().voidItem()
                        : level(workspaceId, selfId, next, depth + 1, maxDepth, parse, errors));
    }
}
