package io.medhook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medhook.localpg.LocalPostgres;
import io.medhook.localpg.PgTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's run command: {@code ./medhook up} on free ports with its own state directory and database prefix,
 * checked by the shared walking-skeleton contract script ({@code ../shared/contract/smoke.py}), then status, logs and
 * down.
 */
class LauncherIT {

    private final Path root = Path.of(System.getProperty("medhook.root", "..")).toAbsolutePath().normalize();

    @Test
    void medhookUpServesTheContractAndDownStopsEverything() throws Exception {
        Path smoke = root.resolve("../shared/contract/smoke.py").normalize();
        assumeTrue(Files.exists(smoke), "the shared contract script is not beside the checkout: " + smoke);
        assumeTrue(run(List.of("python3", "--version"), Map.of(), 30).exit == 0, "python3 is not installed");

        Path state = Files.createTempDirectory("medhook-launcher");
        String prefix = "mh_launch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        int auth = Suite.freePort();
        int workflow = Suite.freePort();
        int sandbox = Suite.freePort();
        int audit = Suite.freePort();
        Map<String, String> env = Map.ofEntries(
                Map.entry("MEDHOOK_STATE_DIR", state.toString()),
                Map.entry("MEDHOOK_DB_PREFIX", prefix),
                Map.entry("MEDHOOK_AUTH_PORT", String.valueOf(auth)),
                Map.entry("MEDHOOK_WORKFLOW_PORT", String.valueOf(workflow)),
                Map.entry("MEDHOOK_SANDBOX_PORT", String.valueOf(sandbox)),
                Map.entry("MEDHOOK_AUDIT_PORT", String.valueOf(audit)),
                // health and metrics are on each service's management port (9081-9084 by default)
                Map.entry("MEDHOOK_AUTH_MANAGEMENT_PORT", String.valueOf(Suite.freePort())),
                Map.entry("MEDHOOK_WORKFLOW_MANAGEMENT_PORT", String.valueOf(Suite.freePort())),
                Map.entry("MEDHOOK_SANDBOX_MANAGEMENT_PORT", String.valueOf(Suite.freePort())),
                Map.entry("MEDHOOK_AUDIT_MANAGEMENT_PORT", String.valueOf(Suite.freePort())),
                Map.entry("MEDHOOK_EMBEDDED_PG_PORT", String.valueOf(Suite.freePort())),
                Map.entry("MEDHOOK_ADMIN_PASSWORD", "launcher-Admin-Pass-0001"),
                Map.entry("MEDHOOK_EGRESS_ALLOWED_CIDRS", "127.0.0.2/32"));
        try {
            Result up = run(List.of("./medhook", "up"), env, 600);
            assertEquals(0, up.exit, "./medhook up failed:\n" + up.output);
            assertTrue(up.output.contains("MedHook is up"), up.output);

            Map<String, String> smokeEnv = Map.of(
                    "MH_AUTH", "http://127.0.0.1:" + auth,
                    "MH_WORKFLOW", "http://127.0.0.1:" + workflow,
                    "MH_AUDIT", "http://127.0.0.1:" + audit,
                    "MEDHOOK_ADMIN_PASSWORD", "launcher-Admin-Pass-0001");
            Result contract = run(List.of("python3", smoke.toString()), smokeEnv, 180);
            assertEquals(0, contract.exit, "contract smoke failed:\n" + contract.output);
            assertTrue(contract.output.contains("contract smoke: passed"), contract.output);
            // the contract's own readiness check (mh.healthy: /q/health/ready on each API port) passes too, beside the
            // management ports the launcher and Kubernetes use
            Result healthy = run(List.of("python3", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import mh; "
                    + "bad = [b for b in (mh.AUTH, mh.WF, mh.AUDIT) if not mh.healthy(b)]; "
                    + "print('unhealthy:', bad) if bad else print('healthy'); sys.exit(1 if bad else 0)",
                    smoke.getParent().toString()), smokeEnv, 60);
            assertEquals(0, healthy.exit, "mh.healthy failed:\n" + healthy.output);

            Result status = run(List.of("./medhook", "status"), env, 60);
            assertEquals(4, status.output.lines().filter(l -> l.contains("ready")).count(), status.output);
            Result logs = run(List.of("./medhook", "logs", "workflow"), env, 60);
            assertTrue(logs.output.contains("workflow-service"), logs.output);
        } finally {
            Result down = run(List.of("./medhook", "down"), env, 120);
            assertEquals(0, down.exit, down.output);
            Result after = run(List.of("./medhook", "status"), env, 60);
            assertEquals(0, after.output.lines().filter(l -> l.contains("running")).count(), after.output);
            PgTarget pg = LocalPostgres.findExisting(System.getenv());
            if (pg != null) {
                for (String db : List.of("_auth", "_workflow", "_audit")) {
                    LocalPostgres.dropDatabase(pg, prefix + db);
                }
            }
        }
    }

    private record Result(int exit, String output) {
    }

    private Result run(List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("medhook-cmd", ".log");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, Files.readString(out) + "\n(timed out)");
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}
