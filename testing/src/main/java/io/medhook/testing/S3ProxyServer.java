package io.medhook.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real S3-compatible server for tests: <a href="https://github.com/gaul/s3proxy">s3proxy</a> with its
 * {@code filesystem-nio2} blobstore (buckets are directories under {@link #baseDir()}, objects are files), started as a
 * separate JVM because its jars (Jetty 12, jclouds, Jackson 3, logback) clash with Quarkus on a test classpath. The
 * classpath comes from {@code testing-s3proxy/target/s3proxy.classpath} (written by that module's build) or the system
 * property {@code medhook.s3proxy.classpath}. SigV4 authorization is on ({@code aws-v4}) with a random access key and
 * secret made for this run; nothing is committed.
 */
public final class S3ProxyServer implements AutoCloseable {

    private static final String ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private final Process process;
    private final String host;
    private final int port;
    private final Path baseDir;
    private final String accessKeyId;
    private final String secretAccessKey;

    private S3ProxyServer(Process process, String host, int port, Path baseDir, String accessKeyId,
            String secretAccessKey) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.baseDir = baseDir;
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
    }

    /** Starts s3proxy on {@code host} (a free port) with the given buckets created, and waits until it accepts. */
    public static S3ProxyServer start(String host, String... buckets) {
        try {
            Path cp = classpathFile();
            Path dir = Files.createTempDirectory("s3proxy-");
            Path blobs = Files.createDirectories(dir.resolve("blobs"));
            for (String b : buckets) {
                Files.createDirectories(blobs.resolve(b));
            }
            SecureRandom random = new SecureRandom();
            String key = "AKIA" + random(random, 16, ALPHANUM);
            String secret = random(random, 40, ALPHANUM + "abcdefghijklmnopqrstuvwxyz");
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
                port = s.getLocalPort();
            }
            Path conf = dir.resolve("s3proxy.conf");
            Files.writeString(conf, String.join("\n",
                    "s3proxy.endpoint=http://" + host + ":" + port,
                    "s3proxy.authorization=aws-v4",
                    "s3proxy.identity=" + key,
                    "s3proxy.credential=" + secret,
                    "jclouds.provider=filesystem-nio2",
                    "jclouds.filesystem.basedir=" + blobs,
                    "jclouds.identity=local",
                    "jclouds.credential=local", ""));
            Path logback = dir.resolve("logback.xml");
            Files.writeString(logback, """
                    <configuration>
                      <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d %level %logger{20} %msg%n</pattern></encoder>
                      </appender>
                      <root level="WARN"><appender-ref ref="OUT"/></root>
                    </configuration>
                    """);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-Dlogback.configurationFile=" + logback,
                    "-cp", Files.readString(cp, StandardCharsets.UTF_8).strip(), "org.gaul.s3proxy.Main",
                    "--properties", conf.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
            S3ProxyServer server = new S3ProxyServer(p, host, port, blobs, key, secret);
            Instant end = Instant.now().plus(Duration.ofSeconds(60));
            while (Instant.now().isBefore(end)) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("s3proxy exited; see " + dir.resolve("s3proxy.log"));
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), 200);
                    return server;
                } catch (IOException notYet) {
                    Thread.sleep(100);
                }
            }
            server.close();
            throw new IllegalStateException("s3proxy did not start within 60 s; see " + dir.resolve("s3proxy.log"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start s3proxy: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting s3proxy", e);
        }
    }

    private static Path classpathFile() {
        String configured = System.getProperty("medhook.s3proxy.classpath");
        Path p = configured != null ? Path.of(configured)
                : Path.of("..", "testing-s3proxy", "target", "s3proxy.classpath").toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("no s3proxy classpath at " + p
                    + "; build it with ./mvnw -pl testing-s3proxy process-resources");
        }
        return p;
    }

    private static String random(SecureRandom r, int n, String alphabet) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** {@code http://host:port}, the path-style endpoint. */
    public String endpoint() {
        return "http://" + host + ":" + port;
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    /** The blobstore's directory: {@code <baseDir>/<bucket>/<key>} is an object's content. */
    public Path baseDir() {
        return baseDir;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(baseDir.getParent())) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
