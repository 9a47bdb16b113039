package io.medhook.workflow.delivery;

import io.medhook.common.problem.ProblemMappers;
import io.medhook.common.secrets.Aead;
import io.medhook.common.secrets.KeyEncryption;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Rotation of the key-encryption key for webhook endpoints, as {@code CredentialKeyRewrap} does for credentials: every
 * endpoint's data key is unwrapped with whatever KEK version wrapped it and wrapped with the current one, batch by
 * batch; the data key, the sealed secrets and the sealed bodies stay as they are. Each update is conditional on the
 * wrapped key still being the one read.
 */
@ApplicationScoped
public class EndpointKeyRewrap {

    private static final Logger LOG = Logger.getLogger(EndpointKeyRewrap.class);
    private static final Pattern VERSION_PREFIX = Pattern.compile("^([a-z0-9-]+:v[0-9]+):");
    private static final int BATCH = 100;

    /** Counts of one run; {@code failed}: endpoint ids whose data key could not be unwrapped (left as they were). */
    public record Report(String currentKey, int scanned, int rewrapped, int alreadyCurrent, int changedMeanwhile,
            List<String> failed) {
    }

    private record Todo(UUID id, UUID workspaceId, String oldWrapped, String newWrapped) {
    }

    private final Pool pool;
    private final KeyEncryption kek;
    private final EndpointCrypto crypto;

    public EndpointKeyRewrap(Pool pool, KeyEncryption kek, EndpointCrypto crypto) {
        this.pool = pool;
        this.kek = kek;
        this.crypto = crypto;
    }

    public Uni<Report> rewrapAll() {
        int[] counts = new int[4];
        List<String> failed = new ArrayList<>();
        return kek.wrap(Aead.newKey(), "webhook-endpoint/rewrap-probe").map(EndpointKeyRewrap::versionOf)
                .chain(current -> batch(new UUID(0, 0), current, counts, failed)
                        .map(x -> {
                            LOG.infof("webhook endpoint data keys re-wrapped: scanned=%d rewrapped=%d "
                                    + "alreadyCurrent=%d changedMeanwhile=%d failed=%d", counts[0], counts[1],
                                    counts[2], counts[3], failed.size());
                            return new Report(current, counts[0], counts[1], counts[2], counts[3], List.copyOf(failed));
                        }));
    }

    private Uni<Void> batch(UUID after, String current, int[] counts, List<String> failed) {
        return pool.preparedQuery("select id, workspace_id, data_key_wrapped from webhook_endpoint where id > $1 "
                + "order by id limit " + BATCH).execute(Tuple.of(after))
                .chain(rows -> {
                    List<Row> list = new ArrayList<>();
                    rows.forEach(list::add);
                    if (list.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    UUID last = list.get(list.size() - 1).getUUID("id");
                    return Multi.createFrom().iterable(list)
                            .onItem().transformToUniAndConcatenate(r -> next(r, current, counts, failed))
                            .collect().asList()
                            .chain(todos -> write(todos.stream().filter(t -> t != null).toList(), counts))
                            .chain(() -> list.size() < BATCH ? Uni.createFrom().voidItem()
                                    : batch(last, current, counts, failed));
                });
    }

    private Uni<Todo> next(Row r, String current, int[] counts, List<String> failed) {
        counts[0]++;
        UUID id = r.getUUID("id");
        UUID ws = r.getUUID("workspace_id");
        String wrapped = r.getString("data_key_wrapped");
        if (current != null && current.equals(versionOf(wrapped))) {
            counts[2]++;
            return Uni.createFrom().nullItem();
        }
        return crypto.openKey(ws, id, wrapped)
                .chain(key -> kek.wrap(key, EndpointCrypto.keyContext(ws, id)).invoke(w -> Arrays.fill(key, (byte) 0)))
                .map(w -> new Todo(id, ws, wrapped, w))
                .onFailure().recoverWithItem(e -> {
                    String errorId = ProblemMappers.logServerError(e);
                    LOG.warnf("webhook endpoint %s: data key not re-wrapped (errorId=%s)", id, errorId);
                    failed.add(id.toString());
                    return null;
                });
    }

    private Uni<Void> write(List<Todo> todos, int[] counts) {
        if (todos.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.withTransaction(tx -> Multi.createFrom().iterable(todos)
                .onItem().transformToUniAndConcatenate(t -> tx.preparedQuery("""
                        update webhook_endpoint set data_key_wrapped = $2
                         where id = $1 and data_key_wrapped = $3""")
                        .execute(Tuple.of(t.id(), t.newWrapped(), t.oldWrapped()))
                        .invoke(rs -> counts[rs.rowCount() == 1 ? 1 : 3]++))
                .collect().asList()).replaceWithVoid();
    }

    static String versionOf(String wrapped) {
        Matcher m = wrapped == null ? null : VERSION_PREFIX.matcher(wrapped);
        return m != null && m.find() ? m.group(1) : null;
    }
}
