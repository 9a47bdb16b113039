package io.medhook.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A real HTTP server on a loopback address that records what it receives and answers as told. */
public final class HttpReceiver implements AutoCloseable {

    /** One received request. */
    public record Hit(String method, String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** What to answer. */
    public record Reply(int status, Map<String, String> headers, String body) {
        public static Reply ok() {
            return new Reply(200, Map.of("Content-Type", "application/json"), "{\"ok\":true}");
        }
    }

    private final HttpServer server;
    private final String host;
    private final List<Hit> hits = new CopyOnWriteArrayList<>();
    private volatile Function<Hit, Reply> responder = h -> Reply.ok();

    private HttpReceiver(String host) throws IOException {
        this.host = host;
        this.server = HttpServer.create(new InetSocketAddress(host, 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    public static HttpReceiver start(String host) {
        try {
            return new HttpReceiver(host);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a receiver on " + host, e);
        }
    }

    public HttpReceiver respond(Function<Hit, Reply> r) {
        this.responder = r;
        return this;
    }

    public String url(String path) {
        return "http://" + host + ":" + server.getAddress().getPort() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public List<Hit> hits() {
        return List.copyOf(hits);
    }

    /** Waits until at least {@code n} requests arrived, or the timeout passed; returns the hits. */
    public List<Hit> await(int n, Duration timeout) throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        while (hits.size() < n && Instant.now().isBefore(end)) {
            Thread.sleep(20);
        }
        return hits();
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Hit hit = new Hit(ex.getRequestMethod(), ex.getRequestURI().toString(), Map.copyOf(ex.getRequestHeaders()), body);
        hits.add(hit);
        Reply r = responder.apply(hit);
        byte[] out = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
        r.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        ex.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
