package io.medhook.localpg;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * Command line used by {@code ./medhook}:
 * <ul>
 * <li>{@code find} prints {@code host port user mode} of the configured or local server, or exits 3 when there is
 * none;</li>
 * <li>{@code ensure HOST PORT USER DB...} creates missing databases (password from MEDHOOK_DB_PASSWORD);</li>
 * <li>{@code ensure-roles HOST PORT USER ROLE...} creates missing login roles (audit-service's writer and retention
 * roles; password from MEDHOOK_DB_PASSWORD, if any);</li>
 * <li>{@code embedded DATA_DIR PORT} runs an embedded PostgreSQL in the foreground until killed.</li>
 * </ul>
 */
public final class LocalPostgresMain {

    private LocalPostgresMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        switch (args[0]) {
            case "find" -> {
                PgTarget t = LocalPostgres.findExisting(System.getenv());
                if (t == null) {
                    System.exit(3);
                }
                System.out.println(t.host() + " " + t.port() + " " + t.user() + " " + t.mode());
            }
            case "ensure" -> {
                if (args.length < 5) {
                    usage();
                }
                PgTarget t = new PgTarget(args[1], Integer.parseInt(args[2]), args[3],
                        System.getenv("MEDHOOK_DB_PASSWORD"), "given");
                int n = LocalPostgres.ensureDatabases(t, Arrays.copyOfRange(args, 4, args.length));
                System.out.println("databases ready (" + n + " created)");
            }
            case "ensure-roles" -> {
                if (args.length < 5) {
                    usage();
                }
                PgTarget t = new PgTarget(args[1], Integer.parseInt(args[2]), args[3],
                        System.getenv("MEDHOOK_DB_PASSWORD"), "given");
                int n = LocalPostgres.ensureLoginRoles(t, Arrays.copyOfRange(args, 4, args.length));
                System.out.println("roles ready (" + n + " created)");
            }
            case "embedded" -> {
                if (args.length != 3) {
                    usage();
                }
                EmbeddedPostgres pg = LocalPostgres.startEmbedded(Path.of(args[1]), Integer.parseInt(args[2]));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        pg.close();
                    } catch (Exception ignored) {
                        // stopping
                    }
                }));
                System.out.println("embedded PostgreSQL ready on 127.0.0.1:" + pg.getPort());
                new CountDownLatch(1).await();
            }
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: find | ensure HOST PORT USER DB... | ensure-roles HOST PORT USER ROLE... | embedded DATA_DIR PORT");
        System.exit(2);
    }
}
