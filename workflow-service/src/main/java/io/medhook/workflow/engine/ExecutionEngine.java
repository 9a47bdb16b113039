package io.medhook.workflow.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.problem.SafeThrowables;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.definition.Dag;
import io.medhook.workflow.definition.NodeDefinition;
import io.medhook.workflow.definition.WorkflowDefinition;
import io.medhook.workflow.execution.ExecutionAudit;
import io.medhook.workflow.execution.ExecutionStore;
import io.medhook.workflow.workflow.WorkflowService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The durable worker. Claims executions from PostgreSQL under a lease, runs their DAG node by node in topological
 * order, and records every step before moving on; a replica that dies mid-run loses its lease and another one resumes
 * at the first step that did not succeed (a re-run from the failed step starts with the original's succeeded steps
 * copied in, and resumes the same way). Before every step it checks whether the execution was asked to stop, and if
 * so marks it {@code cancelled}, or whether its stored deadline passed, and if so (also after the last step) marks it
 * {@code timed_out}. The claim applies the per-workflow and per-workspace concurrency limits. On shutdown it drains
 * ({@link #drain}): no more claims, the executions in flight get {@code drain-timeout} to end, and the leases of those
 * still going are handed back so another replica resumes them at once. Logs carry ids and error types only, never
 * payloads.
 */
@ApplicationScoped
public class ExecutionEngine {

    private static final Logger LOG = Logger.getLogger(ExecutionEngine.class);

    private final ExecutionStore store;
    private final PayloadCrypto crypto;
    private final WorkflowService workflows;
    private final Map<String, NodeRunner> runners = new HashMap<>();
    private final ObjectMapper json;
    private final Vertx vertx;
    private final WorkflowConfig.Engine config;
    private final String workerId;
    private final ExecutionStore.Limits limits;
    private final Map<String, Dag> dags = new ConcurrentHashMap<>();
    private final Map<String, WorkflowDefinition> definitions = new ConcurrentHashMap<>();
    /** The executions this worker runs now, each with its walk (cancelled when its lease is handed back). */
    private final InFlight inFlight = new InFlight();
    private final AtomicBoolean polling = new AtomicBoolean();
    private final AtomicBoolean pollAgain = new AtomicBoolean();
    private volatile boolean stopped = true;
    private long pollTimer = -1;
    private long renewTimer = -1;

    public ExecutionEngine(ExecutionStore store, PayloadCrypto crypto, WorkflowService workflows,
            Instance<NodeRunner> nodeRunners, ObjectMapper json, Vertx vertx, WorkflowConfig config) {
        this.store = store;
        this.crypto = crypto;
        this.workflows = workflows;
        nodeRunners.forEach(r -> runners.put(r.type(), r));
        this.json = json;
        this.vertx = vertx;
        this.config = config.engine();
        this.workerId = config.engine().workerId().orElse("worker-" + UUID.randomUUID());
        this.limits = new ExecutionStore.Limits(config.engine().executionTimeout(),
                config.engine().maxExecutionTimeout(), config.engine().workspaceConcurrency(),
                Map.copyOf(config.engine().workspaceConcurrencyOverrides()));
    }

    void start(@Observes StartupEvent ev) {
        if (!config.enabled()) {
            LOG.info("execution engine disabled on this replica");
            return;
        }
        stopped = false;
        pollTimer = vertx.setPeriodic(config.pollInterval().toMillis(), id -> wake());
        long renewEvery = Math.max(1000, config.lease().toMillis() / 3);
        renewTimer = vertx.setPeriodic(renewEvery, id -> renewLeases());
        LOG.infof("execution engine started: worker %s, concurrency %d", workerId, config.concurrency());
    }

    void stop(@Observes ShutdownEvent ev) {
        if (pollTimer < 0) {
            return;
        }
        InFlight.Drained d = drain(config.drainTimeout());
        LOG.infof("execution engine stopped: %d executions ended while draining, %d leases handed back",
                d.ended(), d.handedBack());
    }

    /**
     * Drains this worker: stops claiming at once, waits up to {@code timeout} for the executions in flight to end
     * (leases are still renewed meanwhile), then stops the walks still going and hands their leases back in one
     * statement ({@link ExecutionStore#handBack}), so another replica claims them at once and resumes them at their
     * first unfinished step (a step cut off here runs again there, HTTP requests with the same idempotency key).
     * Blocks the calling thread; not for an event loop. The shutdown observer calls it with {@code drain-timeout}.
     */
    public InFlight.Drained drain(Duration timeout) {
        stopped = true;
        if (pollTimer >= 0) {
            vertx.cancelTimer(pollTimer);
        }
        InFlight.Drained drained = inFlight.drain(timeout, polling, ids -> store.handBack(workerId, ids), "execution",
                config.lease());
        if (renewTimer >= 0) {
            vertx.cancelTimer(renewTimer);
        }
        return drained;
    }

    public String workerId() {
        return workerId;
    }

    /** The limits this replica's claims apply. */
    public ExecutionStore.Limits limits() {
        return limits;
    }

    /** Looks for work now (called after a webhook was accepted on this replica, and periodically). */
    public void wake() {
        if (stopped) {
            return;
        }
        if (!polling.compareAndSet(false, true)) {
            pollAgain.set(true);
            return;
        }
        int free = config.concurrency() - inFlight.count();
        if (free <= 0) {
            polling.set(false);
            return;
        }
        store.claim(workerId, free, config.lease(), limits).subscribe().with(claimed -> {
            if (inFlight.handingBack()) {
                // the claim was on its way when the drain gave up waiting: give these back unrun
                polling.set(false);
                if (!claimed.isEmpty()) {
                    store.handBack(workerId, claimed.stream().map(ExecutionStore.Claimed::id).toList())
                            .subscribe().with(n -> LOG.infof("%d late claims handed back", n),
                                    f -> LOG.warnf("handing back late claims failed: %s",
                                            f.getClass().getSimpleName()));
                }
                return;
            }
            claimed.forEach(this::launch);
            polling.set(false);
            signalIfIdle();
            if (claimed.size() == free || pollAgain.getAndSet(false)) {
                vertx.runOnContext(() -> wake());
            }
        }, failure -> {
            polling.set(false);
            signalIfIdle();
            LOG.warnf("claiming executions failed: %s", failure.getClass().getSimpleName());
        });
    }

    /** Runs a claimed execution on this worker, holding a worker slot (and renewing its lease) until its walk ends. */
    void launch(ExecutionStore.Claimed c) {
        inFlight.start(c.id(), () -> run(c).subscribe().with(x -> done(c), f -> {
            LOG.errorf("execution %s: engine failure %s", c.id(), SafeThrowables.describe(f));
            done(c);
        }));
    }

    private void done(ExecutionStore.Claimed c) {
        if (!inFlight.ended(c.id())) {
            return; // handed back meanwhile
        }
        signalIfIdle();
        wake();
    }

    private void signalIfIdle() {
        inFlight.signalIfIdle(stopped, polling.get());
    }

    private void renewLeases() {
        if (inFlight.isEmpty()) {
            return;
        }
        store.renew(workerId, inFlight.ids(), config.lease()).subscribe().with(n -> {
        }, f -> LOG.warnf("lease renewal failed: %s", f.getClass().getSimpleName()));
    }

    Uni<Void> run(ExecutionStore.Claimed c) {
        return Uni.combine().all()
                .unis(definition(c), crypto.open(c.workspaceId(), c.id(), c.dataKeyWrapped()), store.steps(c.id()))
                .asTuple()
                .chain(t -> {
                    WorkflowDefinition def = t.getItem1();
                    byte[] key = t.getItem2();
                    JsonNode input = read(PayloadCrypto.unseal(key, c.id(), PayloadCrypto.inputSlot(), c.inputEnc()));
                    Map<String, JsonNode> outputs = new ConcurrentHashMap<>();
                    Set<String> skipped = ConcurrentHashMap.newKeySet();
                    Set<String> waiting = ConcurrentHashMap.newKeySet();
                    for (ExecutionStore.StepRow s : t.getItem3()) {
                        if ("succeeded".equals(s.status())) {
                            outputs.put(s.nodeId(), read(PayloadCrypto.unseal(key, c.id(),
                                    PayloadCrypto.outputSlot(s.nodeId()), s.outputEnc())));
                        } else if ("skipped".equals(s.status())) {
                            skipped.add(s.nodeId());
                        } else if ("waiting".equals(s.status())) {
                            waiting.add(s.nodeId());
                        }
                    }
                    Dag dag = dags.computeIfAbsent(c.workflowId() + ":" + c.version(), k -> Dag.of(def));
                    Map<String, NodeDefinition> nodes = new HashMap<>();
                    def.nodes().forEach(n -> nodes.put(n.id(), n));
                    Map<String, Boolean> labels = new HashMap<>();
                    def.edgesOrEmpty().forEach(e -> labels.put(e.from() + "\u0000" + e.to(), e.when()));
                    return Multi.createFrom().iterable(dag.order())
                            .onItem().transformToUniAndConcatenate(nodeId -> {
                                if (outputs.containsKey(nodeId) || skipped.contains(nodeId)) {
                                    return Uni.createFrom().voidItem();
                                }
                                if (!live(nodeId, dag, nodes, labels, outputs)) {
                                    skipped.add(nodeId);
                                    return store.stepSkipped(c.id(), nodeId);
                                }
                                JsonNode in = inputFor(nodeId, dag, nodes, input, outputs);
                                NodeDefinition node = nodes.get(nodeId);
                                return unlessStopped(c).chain(() -> switch (node.type()) {
                                    case "wait" -> waitStep(c, key, node, in, outputs, waiting.contains(nodeId));
                                    case "subworkflow" -> subworkflowStep(c, key, node, in, outputs,
                                            waiting.contains(nodeId));
                                    default -> step(c, key, node, in, outputs);
                                });
                            })
                            .collect().last()
                            .chain(() -> store.stopReason(c.id()))
                            .chain(reason -> "timed_out".equals(reason)
                                    ? Uni.createFrom().failure(new TimedOut())
                                    : finish(c, "succeeded", null, null, result(dag, nodes, outputs)))
                            .onFailure(FailedStep.class).recoverWithUni(f -> {
                                FailedStep fs = (FailedStep) f;
                                return finish(c, "failed", fs.type, "step " + fs.nodeId + " failed: " + fs.type);
                            })
                            .onFailure(Cancelled.class).recoverWithUni(f -> finish(c, "cancelled", null,
                                    "cancelled on request"))
                            .onFailure(TimedOut.class).recoverWithUni(f -> finish(c, "timed_out", "timeout",
                                    "the execution ran past its timeout"))
                            .onFailure(Parked.class).recoverWithUni(f -> Uni.createFrom().voidItem());
                });
    }

    /**
     * Whether a node runs: a first node always; any other when at least one incoming edge is taken, i.e. its source
     * succeeded and, for an edge out of a condition, the edge's {@code when} equals the condition's result. A node
     * none of whose edges is taken is recorded {@code skipped} (and so, transitively, is what only it feeds).
     */
    private static boolean live(String nodeId, Dag dag, Map<String, NodeDefinition> nodes,
            Map<String, Boolean> labels, Map<String, JsonNode> outputs) {
        List<String> preds = dag.predecessors(nodeId);
        if (preds.isEmpty()) {
            return true;
        }
        for (String p : preds) {
            JsonNode out = outputs.get(p);
            if (out == null) {
                continue;
            }
            Boolean when = labels.get(p + "\u0000" + nodeId);
            if (when == null || ("condition".equals(nodes.get(p).type())
                    && when == out.path("result").asBoolean(false))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A {@code wait} node. The first time: the step is recorded {@code waiting}, the execution goes to
     * {@code waiting} with {@code resume_at} and gives up its lease and worker slot ({@link Parked} ends the walk).
     * When it is claimed again (due, or asked to cancel, which the check before the step handles) the step succeeds
     * with its input as output and the walk goes on.
     */
    private Uni<Void> waitStep(ExecutionStore.Claimed c, byte[] key, NodeDefinition node, JsonNode input,
            Map<String, JsonNode> outputs, boolean alreadyWaited) {
        if (alreadyWaited) {
            outputs.put(node.id(), input);
            return store.stepSucceeded(c.id(), node.id(),
                    PayloadCrypto.seal(key, c.id(), PayloadCrypto.outputSlot(node.id()), write(input)));
        }
        long seconds = node.params().path("seconds").asLong();
        if (seconds > config.maxWait().toSeconds()) {
            byte[] msg = PayloadCrypto.seal(key, c.id(), PayloadCrypto.errorSlot(node.id()),
                    ("seconds is above this instance's maximum wait of " + config.maxWait().toSeconds() + " s")
                            .getBytes(StandardCharsets.UTF_8));
            return store.stepStarted(c.id(), node.id())
                    .chain(() -> store.stepFailed(c.id(), node.id(), "invalid_params", msg))
                    .chain(() -> Uni.createFrom().failure(new FailedStep(node.id(), "invalid_params")));
        }
        return store.park(c.id(), workerId, node.id(), seconds).chain(parked -> {
            if (!parked) {
                LOG.warnf("execution %s: lease lost before waiting; another worker owns it", c.id());
            }
            return Uni.createFrom().failure(new Parked());
        });
    }

    /**
     * Checked before every step: fails with {@link Cancelled} when someone asked to cancel the execution, with
     * {@link TimedOut} when its stored deadline passed.
     */
    private Uni<Void> unlessStopped(ExecutionStore.Claimed c) {
        return store.stopReason(c.id()).chain(reason -> "cancelled".equals(reason)
                ? Uni.createFrom().failure(new Cancelled())
                : "timed_out".equals(reason) ? Uni.createFrom().failure(new TimedOut())
                : Uni.createFrom().voidItem());
    }

    private Uni<Void> step(ExecutionStore.Claimed c, byte[] key, NodeDefinition node, JsonNode input,
            Map<String, JsonNode> outputs) {
        NodeRunner runner = runners.get(node.type());
        return store.stepStarted(c.id(), node.id())
                .chain(() -> runner == null
                        ? Uni.createFrom().failure(new StepFailure("internal", "no runner for this node type"))
                        : withRetries(() -> runner.run(node, input, new NodeRunner.StepContext(c.id(),
                                c.workspaceId(), outputs, (itemId, out) -> store.itemSucceeded(c.id(), itemId,
                                        PayloadCrypto.seal(key, c.id(), PayloadCrypto.outputSlot(itemId),
                                                write(out))).invoke(() -> outputs.put(itemId, out))))))
                .onItem().transformToUni(output -> {
                    outputs.put(node.id(), output);
                    return store.stepSucceeded(c.id(), node.id(),
                            PayloadCrypto.seal(key, c.id(), PayloadCrypto.outputSlot(node.id()), write(output)));
                })
                .onFailure(f -> !(f instanceof FailedStep)).recoverWithUni(f -> {
                    StepFailure sf = f instanceof StepFailure s ? s : new StepFailure("internal", "the step failed");
                    if (!(f instanceof StepFailure)) {
                        LOG.errorf("execution %s node %s: %s", c.id(), node.id(), SafeThrowables.describe(f));
                    }
                    byte[] msg = PayloadCrypto.seal(key, c.id(), PayloadCrypto.errorSlot(node.id()),
                            String.valueOf(sf.getMessage()).getBytes(StandardCharsets.UTF_8));
                    return store.stepFailed(c.id(), node.id(), sf.type(), msg)
                            .chain(() -> Uni.createFrom().failure(new FailedStep(node.id(), sf.type())));
                });
    }

    /**
     * Runs a step, again after a transient failure (error types in {@code retry-on}: the sandbox busy or unreachable,
     * a connection not made) up to {@code step-attempts} times with exponential back-off and jitter. Repeated HTTP
     * requests carry the same idempotency key, so a receiver that saw an earlier attempt can tell.
     */
    private Uni<JsonNode> withRetries(java.util.function.Supplier<Uni<JsonNode>> run) {
        Uni<JsonNode> attempt = Uni.createFrom().deferred(run::get);
        int attempts = config.stepAttempts();
        if (attempts <= 1) {
            return attempt;
        }
        Duration first = config.retryBackoff();
        return attempt.onFailure(f -> f instanceof StepFailure sf && config.retryOn().contains(sf.type()))
                .retry().withBackOff(first, first.multipliedBy(10)).withJitter(0.2).atMost(attempts - 1);
    }

    private Uni<Void> finish(ExecutionStore.Claimed c, String status, String errorType, String message) {
        return finish(c, status, errorType, message, null);
    }

    /**
     * A sub-workflow's result, what its calling step gets: the output of its last node when one last node (a node
     * nothing follows) ran, else an object of the outputs of those that ran keyed by node id (a condition passes on
     * its input, as along an edge); JSON null when none ran.
     */
    private JsonNode result(Dag dag, Map<String, NodeDefinition> nodes, Map<String, JsonNode> outputs) {
        Set<String> hasSuccessor = new java.util.HashSet<>();
        dag.order().forEach(id -> hasSuccessor.addAll(dag.predecessors(id)));
        List<String> ran = dag.order().stream().filter(id -> !hasSuccessor.contains(id) && outputs.containsKey(id))
                .toList();
        if (ran.isEmpty()) {
            return json.nullNode();
        }
        if (ran.size() == 1) {
            return passed(nodes.get(ran.get(0)), outputs.get(ran.get(0)));
        }
        ObjectNode o = json.createObjectNode();
        ran.forEach(id -> o.set(id, passed(nodes.get(id), outputs.get(id))));
        return o;
    }

    /**
     * A {@code subworkflow} node. The first time: checks what the node calls (a workflow of this workspace, not
     * deleted, active, the version there; the call depth; no workflow of the call chain called again), then queues the
     * child execution (trigger {@code subworkflow}, input {@code {"body": <node input>, "headers": {}}}) and parks
     * this one as {@code waiting} without a resume time, in one transaction. The child's end stores its result in this
     * step and makes this execution due; claimed again, the step succeeds with that result or fails with
     * {@code subworkflow_error} when the child did not succeed.
     */
    private Uni<Void> subworkflowStep(ExecutionStore.Claimed c, byte[] key, NodeDefinition node, JsonNode input,
            Map<String, JsonNode> outputs, boolean alreadyWaiting) {
        if (alreadyWaiting) {
            return store.child(c.id(), node.id()).chain(child -> {
                if (child == null) {
                    return failStep(c, key, node.id(), "subworkflow_error", "the sub-workflow execution is missing");
                }
                if (!TERMINAL.contains(child.status())) {
                    // due for another reason than the child's end (the checks before the step let it through)
                    return store.waitForChild(c.id(), workerId).chain(x -> Uni.createFrom().failure(new Parked()));
                }
                if (!"succeeded".equals(child.status())) {
                    return failStep(c, key, node.id(), "subworkflow_error", "the sub-workflow execution "
                            + child.id() + " ended " + child.status()
                            + (child.errorType() == null ? "" : " (" + child.errorType() + ")"));
                }
                return store.stepOutput(c.id(), node.id()).chain(enc -> {
                    byte[] sealed = enc != null ? enc : PayloadCrypto.seal(key, c.id(),
                            PayloadCrypto.outputSlot(node.id()), write(json.nullNode()));
                    outputs.put(node.id(), read(PayloadCrypto.unseal(key, c.id(),
                            PayloadCrypto.outputSlot(node.id()), sealed)));
                    return store.stepSucceeded(c.id(), node.id(), sealed);
                });
            });
        }
        UUID target = UUID.fromString(node.params().get("workflowId").asText());
        Integer version = node.params().hasNonNull("version") ? node.params().get("version").asInt() : null;
        int depth = c.callDepth() + 1;
        if (depth > config.maxSubworkflowDepth()) {
            return store.stepStarted(c.id(), node.id()).chain(() -> failStep(c, key, node.id(), "subworkflow_error",
                    "sub-workflow calls would nest deeper than " + config.maxSubworkflowDepth()));
        }
        return Uni.combine().all().unis(store.callee(c.workspaceId(), target, version), store.callChain(c.id()))
                .asTuple().chain(t -> {
                    ExecutionStore.Callee callee = t.getItem1();
                    String problem = callee == null ? "the called workflow does not exist in this workspace"
                            : !callee.active() ? "the called workflow is deactivated"
                            : !callee.versionExists() ? "version " + version + " of the called workflow does not exist"
                            : t.getItem2().contains(target)
                                    ? "the called workflow is already running further up this call chain (a cycle)"
                            : null;
                    if (problem != null) {
                        return store.stepStarted(c.id(), node.id())
                                .chain(() -> failStep(c, key, node.id(), "subworkflow_error", problem));
                    }
                    int v = version != null ? version : callee.currentVersion();
                    UUID childId = io.medhook.common.Ids.uuidV7();
                    ObjectNode childInput = json.createObjectNode();
                    childInput.set("body", input);
                    childInput.putObject("headers");
                    byte[] plaintext = write(childInput);
                    return crypto.newKey(c.workspaceId(), childId).chain(k -> {
                        Map<String, Object> change = new java.util.LinkedHashMap<>(AuditChange.created(
                                new ExecutionAudit(target.toString(), v, "subworkflow", plaintext.length, "queued",
                                        null)));
                        change.put("parentExecutionId", c.id().toString());
                        AuditEvent audit = AuditEvent.of(AuditContext.system("workflow-engine"), "execution.create",
                                "execution", childId.toString(), c.workspaceId().toString(),
                                AuditEvent.Outcome.success, change);
                        return store.startChild(c.id(), c.workspaceId(), workerId, node.id(),
                                new ExecutionStore.Child(childId, target, v, PayloadCrypto.seal(k.key(), childId,
                                        PayloadCrypto.inputSlot(), plaintext), k.wrapped(), depth), audit);
                    }).chain(started -> {
                        if (!started) {
                            LOG.warnf("execution %s: lease lost before calling a sub-workflow", c.id());
                        } else {
                            vertx.runOnContext(this::wake);
                        }
                        return Uni.createFrom().failure(new Parked());
                    });
                });
    }

    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled", "timed_out");

    /** Records a failed step (its message sealed) and ends the walk. */
    private Uni<Void> failStep(ExecutionStore.Claimed c, byte[] key, String nodeId, String type, String message) {
        byte[] msg = PayloadCrypto.seal(key, c.id(), PayloadCrypto.errorSlot(nodeId),
                message.getBytes(StandardCharsets.UTF_8));
        return store.stepFailed(c.id(), nodeId, type, msg)
                .chain(() -> Uni.createFrom().failure(new FailedStep(nodeId, type)));
    }

    /**
     * Hands a sub-workflow's end to its parent: the result (succeeded only) sealed under the parent's data key. Null
     * for a top-level execution.
     */
    private Uni<ExecutionStore.ParentWake> wakeFor(ExecutionStore.Claimed c, JsonNode result) {
        if (c.parentExecutionId() == null) {
            return Uni.createFrom().nullItem();
        }
        UUID parentId = c.parentExecutionId();
        if (result == null) {
            return Uni.createFrom().item(new ExecutionStore.ParentWake(parentId, c.parentNodeId(), null));
        }
        return store.find(c.workspaceId(), parentId).chain(parent -> {
            if (parent == null || parent.dataKeyWrapped() == null) {
                return Uni.createFrom().item(new ExecutionStore.ParentWake(parentId, c.parentNodeId(), null));
            }
            return crypto.open(c.workspaceId(), parentId, parent.dataKeyWrapped())
                    .map(k -> new ExecutionStore.ParentWake(parentId, c.parentNodeId(), PayloadCrypto.seal(k,
                            parentId, PayloadCrypto.outputSlot(c.parentNodeId()), write(result))));
        });
    }

    private Uni<Void> finish(ExecutionStore.Claimed c, String status, String errorType, String message,
            JsonNode result) {
        String workflowId = c.workflowId().toString();
        AuditEvent audit = AuditEvent.of(AuditContext.system("workflow-engine"), "execution.finish", "execution",
                c.id().toString(), c.workspaceId().toString(),
                "succeeded".equals(status) ? AuditEvent.Outcome.success : AuditEvent.Outcome.failure,
                AuditChange.updated(new ExecutionAudit(workflowId, c.version(), null, null, "running", null),
                        new ExecutionAudit(workflowId, c.version(), null, null, status, errorType)));
        return wakeFor(c, result).chain(wake -> store.finish(c.id(), workerId, status, errorType, message, audit,
                wake)).invoke(done -> {
            if (!done) {
                LOG.warnf("execution %s: lease lost before finishing; another worker owns it", c.id());
            } else {
                LOG.debugf("execution %s %s", c.id(), status);
            }
        }).replaceWithVoid();
    }

    private Uni<WorkflowDefinition> definition(ExecutionStore.Claimed c) {
        String key = c.workflowId() + ":" + c.version();
        WorkflowDefinition cached = definitions.get(key);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return store.definition(c.workflowId(), c.version()).map(d -> {
            if (d == null) {
                throw new IllegalStateException("workflow version is missing");
            }
            WorkflowDefinition def = workflows.parse(d);
            definitions.put(key, def);
            return def;
        });
    }

    /**
     * Roots get the trigger input; a node with one predecessor gets its output, with several an object by id of those
     * that ran (skipped ones are absent). What a condition passes on is its own input, not its result.
     */
    private JsonNode inputFor(String nodeId, Dag dag, Map<String, NodeDefinition> nodes, JsonNode trigger,
            Map<String, JsonNode> outputs) {
        List<String> preds = dag.predecessors(nodeId);
        if (preds.isEmpty()) {
            return trigger;
        }
        if (preds.size() == 1) {
            return passed(nodes.get(preds.get(0)), outputs.get(preds.get(0)));
        }
        ObjectNode o = json.createObjectNode();
        preds.forEach(p -> {
            if (outputs.containsKey(p)) {
                o.set(p, passed(nodes.get(p), outputs.get(p)));
            }
        });
        return o;
    }

    private static JsonNode passed(NodeDefinition from, JsonNode output) {
        return "condition".equals(from.type()) ? output.path("input") : output;
    }

    /** Whether this replica is running the execution now (holds its lease and a worker slot). */
    public boolean holds(UUID executionId) {
        return inFlight.contains(executionId);
    }

    private JsonNode read(byte[] b) {
        try {
            return json.readTree(b);
        } catch (Exception e) {
            throw new IllegalStateException("stored payload is not JSON");
        }
    }

    private byte[] write(JsonNode n) {
        try {
            return json.writeValueAsBytes(n);
        } catch (Exception e) {
            throw new IllegalStateException("output cannot be serialised");
        }
    }

    /** Ends the DAG walk before the next step: the execution was cancelled. */
    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super(null, null, false, false);
        }
    }

    /** Ends the DAG walk before the next step (or before succeeding): the execution's deadline passed. */
    private static final class TimedOut extends RuntimeException {
        TimedOut() {
            super(null, null, false, false);
        }
    }

    /** Ends the DAG walk at a wait node: the execution was parked as {@code waiting}. */
    private static final class Parked extends RuntimeException {
        Parked() {
            super(null, null, false, false);
        }
    }

    /** Ends the DAG walk after a step failure has been recorded. */
    private static final class FailedStep extends RuntimeException {
        final String nodeId;
        final String type;

        FailedStep(String nodeId, String type) {
            super(null, null, false, false);
            this.nodeId = nodeId;
            this.type = type;
        }
    }
}
