package io.medhook.workflow.credential;

import io.medhook.common.secrets.Aead;
import io.medhook.common.secrets.KeyEncryption;
import io.medhook.common.problem.ProblemMappers;
import io.medhook.workflow.WorkflowConfig;
import io.medhook.workflow.engine.PayloadCrypto;
import io.medhook.workflow.workflow.WorkflowService;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.function.BiFunction;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Rotation of the key-encryption key (KEK): after the secrets implementation starts wrapping with a new KEK version
 * (Vault Transit {@code rotate}), this job re-wraps every stored data key — credentials, execution payloads and
 * workflows' webhook tokens — under the current version (Vault Transit {@code rewrap}: the data key never leaves
 * Vault; the local implementations unwrap and wrap). The data key itself and the ciphertext stay as they are, so readers never wait: each
 * batch is one short transaction of single-row updates, conditional on the wrapped key still being the one read (a
 * credential updated meanwhile already has a key wrapped by the current version and is left alone). Until the job has
 * run, old rows keep decrypting as long as the secrets implementation still holds the old KEK version.
 */
@ApplicationScoped
public class CredentialKeyRewrap {

    private static final Logger LOG = Logger.getLogger(CredentialKeyRewrap.class);
    /** {@code impl:vN:} — the self-describing prefix of a wrapped key (LocalFileSecrets and Vault Transit). */
    private static final Pattern VERSION_PREFIX = Pattern.compile("^([a-z0-9-]+:v[0-9]+):");
    private static final UUID FIRST = new UUID(0, 0);

    private final KeyEncryption kek;
    private final CredentialCrypto crypto;
    private final WorkflowConfig config;
    private final Pool pool;

    public CredentialKeyRewrap(KeyEncryption kek, CredentialCrypto crypto, WorkflowConfig config, Pool pool) {
        this.kek = kek;
        this.crypto = crypto;
        this.config = config;
        this.pool = pool;
    }

    private static final class Tally {
        final AtomicInteger scanned = new AtomicInteger();
        final AtomicInteger rewrapped = new AtomicInteger();
        final AtomicInteger current = new AtomicInteger();
        final AtomicInteger changed = new AtomicInteger();
        final List<String> failed = new ArrayList<>();

        RewrapReport.Table table() {
            synchronized (failed) {
                return new RewrapReport.Table(scanned.get(), rewrapped.get(), current.get(), changed.get(),
                        List.copyOf(failed));
            }
        }
    }

    /**
     * Re-wraps every stored data key under the current KEK, batch by batch in id order: credentials, then execution
     * payloads, then workflows (webhook tokens).
     */
    public Uni<RewrapReport> rewrapAll() {
        int batch = Math.max(1, config.credentials().rewrapBatchSize());
        Tally tally = new Tally();
        Tally executions = new Tally();
        Tally workflows = new Tally();
        return kek.wrap(Aead.newKey(), "credential/rewrap-probe").map(CredentialKeyRewrap::versionOf)
                .chain(currentKey -> batches(FIRST, batch, currentKey, tally)
                        .chain(() -> rows("execution", FIRST, batch, currentKey, executions, PayloadCrypto::context))
                        .chain(() -> rows("workflow", FIRST, batch, currentKey, workflows,
                                WorkflowService::keyContext))
                        .map(x -> {
                            LOG.infof("data keys re-wrapped: credentials scanned=%d rewrapped=%d alreadyCurrent=%d "
                                    + "changedMeanwhile=%d failed=%d; executions rewrapped=%d failed=%d; workflows "
                                    + "rewrapped=%d failed=%d", tally.scanned.get(), tally.rewrapped.get(),
                                    tally.current.get(), tally.changed.get(), tally.failed.size(),
                                    executions.rewrapped.get(), executions.failed.size(), workflows.rewrapped.get(),
                                    workflows.failed.size());
                            return new RewrapReport(currentKey, tally.scanned.get(), tally.rewrapped.get(),
                                    tally.current.get(), tally.changed.get(), List.copyOf(tally.failed),
                                    executions.table(), workflows.table());
                        }));
    }

    /**
     * One batch of another table's data keys ({@code id}, {@code workspace_id}, {@code data_key_wrapped}) over the
     * reactive pool: each re-wrap is a conditional single-row update, so concurrent writers (a purge setting the key
     * to null, a new version) win and are counted as changed meanwhile.
     */
    private Uni<Void> rows(String table, UUID after, int batch, String currentKey, Tally tally,
            BiFunction<UUID, UUID, String> context) {
        return pool.preparedQuery("select id, workspace_id, data_key_wrapped from " + table
                + " where id > $1 and data_key_wrapped is not null order by id limit $2")
                .execute(Tuple.of(after, batch))
                .chain(rs -> {
                    List<Row> rows = new ArrayList<>();
                    rs.forEach(rows::add);
                    if (rows.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    UUID last = rows.get(rows.size() - 1).getUUID("id");
                    return Multi.createFrom().iterable(rows)
                            .onItem().transformToUniAndConcatenate(r -> rewrapRow(table, r, currentKey, tally, context))
                            .collect().asList()
                            .chain(() -> rows.size() < batch ? Uni.createFrom().voidItem()
                                    : rows(table, last, batch, currentKey, tally, context));
                });
    }

    private Uni<Void> rewrapRow(String table, Row r, String currentKey, Tally tally,
            BiFunction<UUID, UUID, String> context) {
        tally.scanned.incrementAndGet();
        UUID id = r.getUUID("id");
        String wrapped = r.getString("data_key_wrapped");
        if (currentKey != null && currentKey.equals(versionOf(wrapped))) {
            tally.current.incrementAndGet();
            return Uni.createFrom().voidItem();
        }
        return kek.rewrap(wrapped, context.apply(r.getUUID("workspace_id"), id))
                .chain(w -> pool.preparedQuery("update " + table
                        + " set data_key_wrapped = $1 where id = $2 and data_key_wrapped = $3")
                        .execute(Tuple.of(w, id, wrapped))
                        .invoke(u -> (u.rowCount() == 1 ? tally.rewrapped : tally.changed).incrementAndGet())
                        .replaceWithVoid())
                .onFailure().recoverWithItem(e -> {
                    String errorId = ProblemMappers.logServerError(e);
                    LOG.warnf("%s %s: data key not re-wrapped (errorId=%s)", table, id, errorId);
                    synchronized (tally.failed) {
                        tally.failed.add(id.toString());
                    }
                    return null;
                });
    }

    private Uni<Void> batches(UUID after, int batch, String currentKey, Tally tally) {
        return Panache.withSession(() -> Credential.<Credential>find("id > ?1 order by id", after)
                .range(0, batch - 1).list())
                .chain(rows -> {
                    if (rows.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    UUID last = rows.get(rows.size() - 1).id;
                    return Multi.createFrom().iterable(rows)
                            .onItem().transformToUniAndConcatenate(c -> next(c, currentKey, tally))
                            .collect().asList()
                            .chain(updates -> write(updates, tally))
                            .chain(() -> rows.size() < batch ? Uni.createFrom().voidItem()
                                    : batches(last, batch, currentKey, tally));
                });
    }

    /** The new wrapping of one row, or null when it needs none or cannot be unwrapped. */
    private Uni<Map.Entry<Credential, String>> next(Credential c, String currentKey, Tally tally) {
        tally.scanned.incrementAndGet();
        if (currentKey != null && currentKey.equals(versionOf(c.dataKeyWrapped))) {
            tally.current.incrementAndGet();
            return Uni.createFrom().nullItem();
        }
        return crypto.rewrap(c.workspaceId, c.id, c.dataKeyWrapped)
                .map(w -> Map.entry(c, w))
                .onFailure().recoverWithItem(e -> {
                    String errorId = ProblemMappers.logServerError(e);
                    LOG.warnf("credential %s: data key not re-wrapped (errorId=%s)", c.id, errorId);
                    synchronized (tally.failed) {
                        tally.failed.add(c.id.toString());
                    }
                    return null;
                });
    }

    private static Uni<Void> write(List<Map.Entry<Credential, String>> updates, Tally tally) {
        List<Map.Entry<Credential, String>> todo = updates.stream().filter(e -> e != null).toList();
        if (todo.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.withTransaction(() -> Multi.createFrom().iterable(todo)
                .onItem().transformToUniAndConcatenate(e -> Credential.update(
                        "dataKeyWrapped = ?1 where id = ?2 and dataKeyWrapped = ?3",
                        e.getValue(), e.getKey().id, e.getKey().dataKeyWrapped)
                        .invoke(n -> (n == 1 ? tally.rewrapped : tally.changed).incrementAndGet()))
                .collect().asList()).replaceWithVoid();
    }

    /** {@code impl:vN} of a wrapped key, or null when it has no such prefix. */
    static String versionOf(String wrapped) {
        Matcher m = wrapped == null ? null : VERSION_PREFIX.matcher(wrapped);
        return m != null && m.find() ? m.group(1) : null;
    }
}
