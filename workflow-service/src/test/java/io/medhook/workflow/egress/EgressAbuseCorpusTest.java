package io.medhook.workflow.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.medhook.workflow.WorkflowConfig;
import io.vertx.mutiny.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SSRF abuse corpus, sent as real requests through {@link EgressClient} (real Vert.x client, real sockets). A
 * canary HTTP server listens on 127.0.0.1 (and ::1 when the host has IPv6) on port P; every corpus URL aims at it in
 * some disguise, and it must receive nothing over the whole class. An allowed receiver listens on 127.0.0.2 on the
 * same port P (allow-listed as 127.0.0.2/32 and 127.0.0.3/32, like the test profile), so redirect and rebinding
 * attacks have a real, permitted first hop, and a connection that went to the wrong address would land on the canary.
 *
 * <p>Name resolution is offline and deterministic: IP literals are parsed by the JDK (no lookup), names come from a
 * fixed table (the resolver seam), so resolve-dependent names such as {@code metadata.google.internal} behave the same
 * on every machine — they are refused by name before any resolution anyway.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EgressAbuseCorpusTest {

    private static final int MAX_REDIRECTS = 3;

    /** A tiny real HTTP server that records the paths it was asked for. */
    static final class Server implements AutoCloseable {
        final HttpServer http;
        final List<String> hits = new CopyOnWriteArrayList<>();
        final List<String> hosts = new CopyOnWriteArrayList<>();
        final List<String> authorizations = new CopyOnWriteArrayList<>();
        volatile Function<String, String> redirect = path -> null;

        Server(String address, int port) throws IOException {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 0);
            http.createContext("/", ex -> {
                hits.add(ex.getRequestURI().toString());
                hosts.add(String.valueOf(ex.getRequestHeaders().getFirst("Host")));
                authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
                String location = redirect.apply(ex.getRequestURI().toString());
                ex.getRequestBody().readAllBytes();
                if (location != null) {
                    ex.getResponseHeaders().add("Location", location);
                    ex.sendResponseHeaders(302, -1);
                } else {
                    byte[] ok = "{\"ok\":true}".getBytes();
                    ex.getResponseHeaders().add("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, ok.length);
                    ex.getResponseBody().write(ok);
                }
                ex.close();
            });
            http.start();
        }

        int port() {
            return http.getAddress().getPort();
        }

        String url(String path) {
            return "http://" + http.getAddress().getAddress().getHostAddress() + ":" + port() + path;
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }

    /** The offline resolver: literals by the JDK, names from {@link #names}; counts lookups per name. */
    final Map<String, Function<Integer, List<String>>> names = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

    Server canary;
    Server canary6;
    Server allowed;
    Server allowed3;
    int port;
    Vertx vertx;
    EgressClient client;

    @BeforeAll
    void start() throws IOException {
        for (int attempt = 0; attempt < 20 && allowed == null; attempt++) {
            canary = new Server("127.0.0.1", 0);
            try {
                allowed = new Server("127.0.0.2", canary.port());
                allowed3 = new Server("127.0.0.3", canary.port());
            } catch (IOException e) {
                canary.close();
                if (allowed != null) {
                    allowed.close();
                    allowed = null;
                }
            }
        }
        port = canary.port();
        try {
            canary6 = new Server("::1", port);
        } catch (IOException e) {
            canary6 = null; // no IPv6 loopback here: ::1 cannot be reached at all then
        }
        vertx = Vertx.vertx();
        EgressPolicy policy = new EgressPolicy(List.of(Cidr.parse("127.0.0.2/32"), Cidr.parse("127.0.0.3/32")));
        client = new EgressClient(vertx, config(), () -> policy, this::resolve);
        names.put("canary.example", n -> List.of("127.0.0.1"));
        names.put("localtest.me", n -> List.of("127.0.0.1"));
        names.put("127.0.0.1.nip.io", n -> List.of("127.0.0.1"));
        names.put("metadata.example", n -> List.of("169.254.169.254"));
        names.put("internal.example", n -> List.of("10.0.0.5"));
        names.put("v6.example", n -> List.of("::1"));
        names.put("mapped.example", n -> List.of("::ffff:127.0.0.1"));
        names.put("allowed.example", n -> List.of("127.0.0.2"));
        names.put("other-allowed.example", n -> List.of("127.0.0.3"));
        // DNS rebinding: allowed on the first lookup, loopback on every later one
        names.put("rebind.example", n -> n == 1 ? List.of("127.0.0.2") : List.of("127.0.0.1"));
        names.put("rebind-redirect.example", n -> n == 1 ? List.of("127.0.0.2") : List.of("127.0.0.1"));
        // several addresses, one of them blocked, in either order
        names.put("mixed-first-allowed.example", n -> List.of("127.0.0.2", "127.0.0.1"));
        names.put("mixed-first-blocked.example", n -> List.of("127.0.0.1", "127.0.0.2"));
        names.put("mixed-public.example", n -> List.of("93.184.216.34", "169.254.169.254"));
    }

    @AfterAll
    void stop() {
        try {
            assertEquals(List.of(), canaryHits(), "nothing may reach the canary over the whole corpus");
        } finally {
            client.close();
            vertx.closeAndAwait();
            canary.close();
            if (canary6 != null) {
                canary6.close();
            }
            allowed.close();
            allowed3.close();
        }
    }

    @BeforeEach
    void reset() {
        allowed.redirect = p -> null;
        allowed.hits.clear();
        allowed.hosts.clear();
        allowed.authorizations.clear();
        allowed3.hits.clear();
        allowed3.authorizations.clear();
    }

    private List<String> canaryHits() {
        List<String> all = new ArrayList<>(canary.hits);
        if (canary6 != null) {
            all.addAll(canary6.hits);
        }
        return all;
    }

    InetAddress[] resolve(String host) throws UnknownHostException {
        if (host.matches("[0-9.]+") || host.contains(":")) {
            return InetAddress.getAllByName(host); // a literal: parsed, never looked up
        }
        Function<Integer, List<String>> entry = names.get(host);
        if (entry == null) {
            throw new UnknownHostException("not in the offline table");
        }
        int n = lookups.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
        List<InetAddress> out = new ArrayList<>();
        for (String a : entry.apply(n)) {
            out.add(InetAddress.getByName(a));
        }
        return out.toArray(InetAddress[]::new);
    }

    private static WorkflowConfig.Egress config() {
        return new WorkflowConfig.Egress() {
            @Override
            public Optional<List<String>> allowedCidrs() {
                return Optional.empty();
            }

            @Override
            public Duration timeout() {
                return Duration.ofSeconds(5);
            }

            @Override
            public int maxResponseBytes() {
                return 1 << 20;
            }

            @Override
            public int maxRedirects() {
                return MAX_REDIRECTS;
            }

            @Override
            public Duration allowListRefresh() {
                return Duration.ofSeconds(5);
            }
        };
    }

    /** Sends a GET and returns the refusal; fails when a response came back. */
    private EgressException refusal(String url, Map<String, String> headers) {
        try {
            EgressResponse r = client.send("GET", url, headers, null).await().atMost(Duration.ofSeconds(10));
            fail("expected a refusal, got HTTP " + r.status());
            return null;
        } catch (EgressException e) {
            return e;
        }
    }

    // --- the corpus

    /** Which check refuses a case: the URL's shape, its scheme, a reserved name, or the resolved address. */
    enum Stage {
        URL, SCHEME, NAME, ADDRESS
    }

    private static Arguments c(String name, Stage stage, String url, String reason) {
        return Arguments.of(name, stage, url, reason);
    }

    static Stream<Arguments> corpus() {
        String p = "{p}";
        return Stream.of(
                // IPv4 notations of 127.0.0.1
                c("dotted loopback", Stage.ADDRESS, "http://127.0.0.1:" + p + "/", "loopback"),
                c("loopback elsewhere in 127/8", Stage.ADDRESS, "http://127.255.255.254:" + p + "/", "loopback"),
                c("trailing dot on an address", Stage.URL, "http://127.0.0.1.:" + p + "/", "no usable host"),
                c("decimal dotless", Stage.NAME, "http://2130706433:" + p + "/", "non-canonical"),
                c("hex dotless", Stage.NAME, "http://0x7f000001:" + p + "/", "non-canonical"),
                c("hex dotless upper case", Stage.NAME, "http://0X7F000001:" + p + "/", "non-canonical"),
                c("octal first part", Stage.NAME, "http://0177.0.0.1:" + p + "/", "non-canonical"),
                c("octal dotless", Stage.NAME, "http://017700000001:" + p + "/", "non-canonical"),
                c("two parts", Stage.NAME, "http://127.1:" + p + "/", "non-canonical"),
                c("three parts", Stage.NAME, "http://127.0.1:" + p + "/", "non-canonical"),
                c("hex first part, short", Stage.NAME, "http://0x7f.1:" + p + "/", "non-canonical"),
                c("hex parts", Stage.NAME, "http://0x7f.0x0.0x0.0x1:" + p + "/", "non-canonical"),
                c("zero-padded parts", Stage.NAME, "http://127.000.000.001:" + p + "/", "non-canonical"),
                c("out-of-range part", Stage.NAME, "http://127.0.0.256:" + p + "/", "non-canonical"),
                // IPv6 forms of loopback and friends
                c("IPv6 loopback", Stage.ADDRESS, "http://[::1]:" + p + "/", "loopback"),
                c("IPv6 loopback in full", Stage.ADDRESS, "http://[0:0:0:0:0:0:0:1]:" + p + "/", "loopback"),
                c("IPv6 loopback zero-padded", Stage.ADDRESS,
                        "http://[0000:0000:0000:0000:0000:0000:0000:0001]:" + p + "/", "loopback"),
                c("IPv4-mapped dotted", Stage.ADDRESS, "http://[::ffff:127.0.0.1]:" + p + "/", "loopback"),
                c("IPv4-mapped hex", Stage.ADDRESS, "http://[::ffff:7f00:1]:" + p + "/", "loopback"),
                c("IPv4-compatible", Stage.ADDRESS, "http://[::127.0.0.1]:" + p + "/", "loopback"),
                c("NAT64 well-known prefix", Stage.ADDRESS, "http://[64:ff9b::7f00:1]:" + p + "/", "loopback"),
                c("NAT64 local-use prefix", Stage.ADDRESS, "http://[64:ff9b:1::7f00:1]:" + p + "/", "loopback"),
                c("6to4", Stage.ADDRESS, "http://[2002:7f00:1::]:" + p + "/", "loopback"),
                c("IPv6 link-local with zone", Stage.URL, "http://[fe80::1%25eth0]:" + p + "/", "zone"),
                c("IPv6 link-local", Stage.ADDRESS, "http://[fe80::1]:" + p + "/", "link-local"),
                c("IPv6 unique-local fc00", Stage.ADDRESS, "http://[fc00::1]:" + p + "/", "unique-local"),
                c("IPv6 unique-local fd", Stage.ADDRESS, "http://[fd12:3456:789a::1]:" + p + "/", "unique-local"),
                c("IPv6 site-local", Stage.ADDRESS, "http://[fec0::1]:" + p + "/", "site-local"),
                c("IPv6 multicast", Stage.ADDRESS, "http://[ff02::1]:" + p + "/", "multicast"),
                c("IPv6 unspecified", Stage.ADDRESS, "http://[::]:" + p + "/", "unspecified"),
                c("IPv4 unspecified", Stage.ADDRESS, "http://0.0.0.0:" + p + "/", "unspecified"),
                c("this-network range", Stage.ADDRESS, "http://0.1.2.3:" + p + "/", "unspecified"),
                // cloud metadata
                c("metadata address", Stage.ADDRESS, "http://169.254.169.254/latest/meta-data/", "cloud metadata"),
                c("metadata address IPv4-mapped", Stage.ADDRESS, "http://[::ffff:169.254.169.254]/", "cloud metadata"),
                c("metadata address mapped hex", Stage.ADDRESS, "http://[::ffff:a9fe:a9fe]/", "cloud metadata"),
                c("metadata address NAT64", Stage.ADDRESS, "http://[64:ff9b::a9fe:a9fe]/", "cloud metadata"),
                c("metadata decimal", Stage.NAME, "http://2852039166/", "non-canonical"),
                c("GCP metadata name", Stage.NAME, "http://metadata.google.internal/computeMetadata/v1/", "reserved"),
                c("GCP metadata name, odd case, trailing dot", Stage.NAME, "http://METADATA.Google.Internal./",
                        "reserved"),
                c("GCP short metadata name", Stage.NAME, "http://metadata/computeMetadata/v1/", "reserved"),
                c("AWS metadata name", Stage.NAME, "http://instance-data/latest/", "reserved"),
                c("AWS IPv6 metadata", Stage.ADDRESS, "http://[fd00:ec2::254]/", "unique-local"),
                c("name resolving to metadata", Stage.ADDRESS, "http://metadata.example/", "cloud metadata"),
                c("Alibaba metadata (CGNAT)", Stage.ADDRESS, "http://100.100.100.200/", "CGNAT"),
                // special-purpose IPv4 ranges
                c("CGNAT", Stage.ADDRESS, "http://100.64.0.1:" + p + "/", "CGNAT"),
                c("RFC 1918 10/8", Stage.ADDRESS, "http://10.0.0.1:" + p + "/", "RFC 1918"),
                c("RFC 1918 172.16/12 low", Stage.ADDRESS, "http://172.16.0.1:" + p + "/", "RFC 1918"),
                c("RFC 1918 172.16/12 high", Stage.ADDRESS, "http://172.31.255.255:" + p + "/", "RFC 1918"),
                c("RFC 1918 192.168/16", Stage.ADDRESS, "http://192.168.1.1:" + p + "/", "RFC 1918"),
                c("multicast 224/4", Stage.ADDRESS, "http://224.0.0.1:" + p + "/", "multicast"),
                c("multicast SSDP", Stage.ADDRESS, "http://239.255.255.250:" + p + "/", "multicast"),
                c("broadcast", Stage.ADDRESS, "http://255.255.255.255:" + p + "/", "broadcast"),
                c("reserved 240/4", Stage.ADDRESS, "http://240.0.0.1:" + p + "/", "reserved"),
                c("benchmarking 198.18/15", Stage.ADDRESS, "http://198.18.0.1:" + p + "/", "benchmarking"),
                c("IETF 192.0.0/24", Stage.ADDRESS, "http://192.0.0.8:" + p + "/", "IETF"),
                c("documentation 192.0.2/24", Stage.ADDRESS, "http://192.0.2.1:" + p + "/", "documentation"),
                c("name resolving to RFC 1918", Stage.ADDRESS, "http://internal.example/", "RFC 1918"),
                // names of loopback
                c("localhost", Stage.NAME, "http://localhost:" + p + "/", "reserved"),
                c("LOCALHOST", Stage.NAME, "http://LOCALHOST:" + p + "/", "reserved"),
                c("localhost with trailing dot", Stage.NAME, "http://localhost.:" + p + "/", "reserved"),
                c("subdomain of localhost", Stage.NAME, "http://canary.localhost:" + p + "/", "reserved"),
                c("deep subdomain of localhost, trailing dot", Stage.NAME, "http://a.b.LocalHost.:" + p + "/",
                        "reserved"),
                c("localhost.localdomain", Stage.NAME, "http://localhost.localdomain:" + p + "/", "reserved"),
                c("ip6-localhost", Stage.NAME, "http://ip6-localhost:" + p + "/", "reserved"),
                c("public-looking name resolving to loopback", Stage.ADDRESS, "http://localtest.me:" + p + "/",
                        "loopback"),
                c("wildcard DNS of loopback", Stage.ADDRESS, "http://127.0.0.1.nip.io:" + p + "/", "loopback"),
                c("name resolving to IPv6 loopback", Stage.ADDRESS, "http://v6.example:" + p + "/", "loopback"),
                c("name resolving to IPv4-mapped loopback", Stage.ADDRESS, "http://mapped.example:" + p + "/",
                        "loopback"),
                // user info and parser differentials
                c("user info before loopback", Stage.URL, "http://example.com@127.0.0.1:" + p + "/", "user info"),
                c("user info with port-like text", Stage.URL, "http://example.com:80@127.0.0.1:" + p + "/",
                        "user info"),
                c("credentials to an allowed host", Stage.URL, "http://user:pa55word@127.0.0.2:" + p + "/",
                        "user info"),
                c("fragment hiding an at sign", Stage.ADDRESS, "http://127.0.0.1:" + p + "#@example.com/", "loopback"),
                c("query hiding an at sign", Stage.ADDRESS, "http://127.0.0.1:" + p + "?@example.com/", "loopback"),
                c("backslash before an at sign", Stage.URL, "http://127.0.0.1:" + p + "\\@example.com/", "backslash"),
                c("backslashes as slashes", Stage.URL, "http:\\\\127.0.0.1:" + p + "\\", "backslash"),
                c("mixed slashes", Stage.URL, "http:/\\127.0.0.1:" + p + "/", "backslash"),
                c("one slash", Stage.URL, "http:/127.0.0.1:" + p + "/", "no host"),
                c("no slashes", Stage.URL, "http:127.0.0.1:" + p + "/", "no host"),
                c("scheme-relative", Stage.SCHEME, "//127.0.0.1:" + p + "/", "only http and https"),
                c("double port", Stage.URL, "http://127.0.0.1:" + p + ":80/", "not valid"),
                c("bracketed IPv6 as user info", Stage.URL, "http://[::1]@example.com/", "not valid"),
                // schemes
                c("upper-case scheme", Stage.ADDRESS, "HTTP://127.0.0.1:" + p + "/", "loopback"),
                c("mixed-case https", Stage.ADDRESS, "hTtPs://127.0.0.1:" + p + "/", "loopback"),
                c("file", Stage.SCHEME, "file:///etc/passwd", "only http and https"),
                c("file with host", Stage.SCHEME, "file://127.0.0.1/etc/passwd", "only http and https"),
                c("gopher", Stage.SCHEME, "gopher://127.0.0.1:" + p + "/_GET%20/", "only http and https"),
                c("ftp", Stage.SCHEME, "ftp://127.0.0.1:" + p + "/", "only http and https"),
                c("jar", Stage.SCHEME, "jar:http://127.0.0.1:" + p + "/x.jar!/", "only http and https"),
                c("data", Stage.SCHEME, "data:text/plain,hello", "only http and https"),
                c("javascript", Stage.SCHEME, "javascript:alert(1)", "only http and https"),
                c("dict", Stage.SCHEME, "dict://127.0.0.1:" + p + "/", "only http and https"),
                c("ws", Stage.SCHEME, "ws://127.0.0.1:" + p + "/", "only http and https"),
                // encodings and look-alikes
                c("percent-encoded host", Stage.URL, "http://%31%32%37.0.0.1:" + p + "/", "no usable host"),
                c("percent-encoded dots", Stage.URL, "http://127%2E0%2E0%2E1:" + p + "/", "no usable host"),
                c("ideographic full stops", Stage.URL, "http://127\u30020\u30020\u30021:" + p + "/", "non-ASCII"),
                c("full-width digits", Stage.URL, "http://\uff11\uff12\uff17.0.0.1:" + p + "/", "non-ASCII"),
                c("unicode localhost look-alike", Stage.URL, "http://\u24c1ocalhost:" + p + "/", "non-ASCII"),
                // whitespace and CRLF injection
                c("CRLF header injection", Stage.URL, "http://127.0.0.2:" + p + "/\r\nX-Injected: 1", "whitespace"),
                c("request line injection", Stage.URL, "http://127.0.0.2:" + p + "/ HTTP/1.1\r\nHost: canary",
                        "whitespace"),
                c("leading space", Stage.URL, " http://127.0.0.1:" + p + "/", "whitespace"),
                c("tab in host", Stage.URL, "http://127.0.0.1\t:" + p + "/", "whitespace"),
                c("NUL byte", Stage.URL, "http://127.0.0.2:" + p + "/\u0000", "whitespace"),
                c("empty URL", Stage.URL, "", "empty"),
                // ports
                c("port 0", Stage.URL, "http://127.0.0.2:0/", "port"),
                c("port 65536", Stage.URL, "http://127.0.0.2:65536/", "port"),
                c("huge port", Stage.URL, "http://127.0.0.2:99999999999/", "port"),
                c("negative port", Stage.URL, "http://127.0.0.2:-1/", "port"),
                c("empty port", Stage.URL, "http://127.0.0.2:/", "port"),
                // long names
                c("label longer than 63", Stage.NAME, "http://" + "a".repeat(64) + ".example/", "not valid"),
                c("name longer than 253", Stage.NAME, "http://" + ("a".repeat(60) + ".").repeat(5) + "example/",
                        "not valid"),
                c("empty label", Stage.NAME, "http://a..example/", "not valid"),
                // secrets and PHI in the URL never show up in the message
                c("query with PHI and a token", Stage.ADDRESS,
                        "http://127.0.0.1:" + p + "/fhir/Patient?mrn=4711&access_token=s3cr3t", "loopback"),
                c("name resolving to loopback, with a token", Stage.ADDRESS,
                        "https://canary.example:" + p + "/x?api_key=s3cr3t", "loopback"));
    }

    @ParameterizedTest(name = "[{index}] {0} ({1})")
    @MethodSource("corpus")
    @Order(1)
    void refusesEveryAbuseCase(String name, Stage stage, String template, String reason) {
        String url = template.replace("{p}", String.valueOf(port));
        EgressException e = refusal(url, Map.of("Authorization", "Bearer s3cr3t-header"));
        assertEquals("egress_blocked", e.type(), name + ": " + e.getMessage());
        String message = e.getMessage();
        assertTrue(message.contains(reason), name + ": \"" + message + "\" should name the reason \"" + reason + "\"");
        if (stage == Stage.ADDRESS) {
            assertTrue(message.startsWith("the destination resolves to an address that is not allowed"), message);
        } else {
            assertFalse(message.startsWith("the destination resolves"), name + " is refused before resolution");
        }
        for (String leak : List.of("s3cr3t", "pa55word", "4711", "mrn", "example.com", "127.0.0", "localhost:")) {
            assertFalse(message.contains(leak), name + ": the message must not echo the URL: " + message);
        }
    }

    @Test
    @Order(2)
    void theCorpusIsLargeAndEveryCaseIsNamedOnce() {
        List<String> names = corpus().map(a -> (String) a.get()[0]).toList();
        assertTrue(names.size() >= 60, "corpus size " + names.size());
        assertEquals(names.size(), names.stream().distinct().count(), "case names are unique");
    }

    // --- redirects: the first hop is the allow-listed receiver on 127.0.0.2, the next one must be refused

    static Stream<Arguments> redirectTargets() {
        String p = "{p}";
        return Stream.of(
                Arguments.of("to the canary", "http://127.0.0.1:" + p + "/via-redirect", "loopback"),
                Arguments.of("to localhost", "http://localhost:" + p + "/via-redirect", "reserved"),
                Arguments.of("to IPv6 loopback", "http://[::1]:" + p + "/via-redirect", "loopback"),
                Arguments.of("to an IPv4-mapped address", "http://[::ffff:7f00:1]:" + p + "/via-redirect",
                        "loopback"),
                Arguments.of("to a decimal address", "http://2130706433:" + p + "/via-redirect", "non-canonical"),
                Arguments.of("to the metadata address", "http://169.254.169.254/latest/meta-data/", "cloud metadata"),
                Arguments.of("to a metadata name", "http://metadata.google.internal/", "reserved"),
                Arguments.of("to a file URL", "file:///etc/passwd", "only http and https"),
                Arguments.of("to gopher", "gopher://127.0.0.1:" + p + "/_x", "only http and https"),
                Arguments.of("scheme-relative to loopback", "//127.0.0.1:" + p + "/via-redirect", "loopback"),
                Arguments.of("with credentials", "http://u:p@127.0.0.3:" + p + "/", "user info"),
                Arguments.of("to a name resolving to loopback", "http://localtest.me:" + p + "/via-redirect",
                        "loopback"),
                Arguments.of("with a space", "http://127.0.0.3:" + p + "/a b", "not valid"));
    }

    @ParameterizedTest(name = "[{index}] redirect {0}")
    @MethodSource("redirectTargets")
    @Order(3)
    void checksEveryRedirectLikeTheFirstRequest(String name, String location, String reason) {
        allowed.redirect = path -> path.equals("/start") ? location.replace("{p}", String.valueOf(port)) : null;
        EgressException e = refusal(allowed.url("/start"), Map.of());
        assertEquals("egress_blocked", e.type(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertEquals(List.of("/start"), allowed.hits, "the allowed first hop was asked once");
        assertEquals(List.of(), allowed3.hits);
    }

    @Test
    @Order(4)
    void stopsAfterTheRedirectCap() {
        allowed.redirect = path -> "/loop" + (allowed.hits.size());
        EgressException e = refusal(allowed.url("/loop0"), Map.of());
        assertEquals("egress_blocked", e.type());
        assertTrue(e.getMessage().contains("too many redirects"), e.getMessage());
        assertEquals(MAX_REDIRECTS + 1, allowed.hits.size(), "the first request and " + MAX_REDIRECTS + " redirects");
    }

    @Test
    @Order(5)
    void followsAllowedRedirectsAndKeepsCredentialsOnTheirOrigin() {
        allowed.redirect = path -> switch (path) {
            case "/a" -> "/b";
            case "/b" -> "http://127.0.0.3:" + port + "/c";
            default -> null;
        };
        EgressResponse r = client.send("GET", allowed.url("/a"), Map.of("Authorization", "Bearer s3cr3t"), null)
                .await().atMost(Duration.ofSeconds(10));
        assertEquals(200, r.status());
        assertEquals(List.of("/a", "/b"), allowed.hits);
        assertEquals(List.of("Bearer s3cr3t", "Bearer s3cr3t"), allowed.authorizations, "same origin keeps it");
        assertEquals(List.of("/c"), allowed3.hits);
        assertEquals(List.of("null"), allowed3.authorizations, "another origin does not get the Authorization");
    }

    // --- DNS rebinding and multi-address names

    @Test
    @Order(6)
    void connectsToTheCheckedAddressAndResolvesOncePerRequest() {
        EgressResponse r = client.send("GET", "http://rebind.example:" + port + "/first", Map.of(), null)
                .await().atMost(Duration.ofSeconds(10));
        assertEquals(200, r.status());
        assertEquals(1, lookups.get("rebind.example").get(), "one lookup per request, no second one at connect time");
        assertEquals(List.of("/first"), allowed.hits, "the connection went to the checked address 127.0.0.2");
        assertEquals(List.of("rebind.example:" + port), allowed.hosts, "the Host header keeps the name");
        // the name now answers 127.0.0.1: the next request checks that answer and is refused
        EgressException e = refusal("http://rebind.example:" + port + "/second", Map.of());
        assertEquals("egress_blocked", e.type());
        assertTrue(e.getMessage().contains("loopback"), e.getMessage());
        assertEquals(2, lookups.get("rebind.example").get());
        assertEquals(List.of("/first"), allowed.hits);
        assertEquals(List.of(), canaryHits());
    }

    @Test
    @Order(7)
    void rebindingBetweenRedirectsIsCaught() {
        allowed.redirect = path -> path.equals("/start") ? "http://rebind-redirect.example:" + port + "/again" : null;
        EgressException e = refusal("http://rebind-redirect.example:" + port + "/start", Map.of());
        assertEquals("egress_blocked", e.type());
        assertTrue(e.getMessage().contains("loopback"), e.getMessage());
        assertEquals(List.of("/start"), allowed.hits);
        assertEquals(2, lookups.get("rebind-redirect.example").get(), "the redirect was resolved and checked again");
    }

    @Test
    @Order(8)
    void aNameWithAnyBlockedAddressIsRefused() {
        for (String host : List.of("mixed-first-allowed.example", "mixed-first-blocked.example",
                "mixed-public.example")) {
            EgressException e = refusal("http://" + host + ":" + port + "/", Map.of());
            assertEquals("egress_blocked", e.type(), host);
            assertTrue(e.getMessage().contains("not allowed"), e.getMessage());
        }
        assertEquals(List.of(), allowed.hits, "not even the allowed address of such a name is used");
    }

    @Test
    @Order(9)
    void hostEntriesOpenOnlyTheirOwnNameAndNeverLoopbackOrMetadata() throws Exception {
        EgressPolicy p = new EgressPolicy(List.of(), java.util.Set.of("ehr.hospital.example"));
        InetAddress ehr = InetAddress.getByName("10.20.30.40");
        assertTrue(p.permits("EHR.Hospital.Example.", ehr));
        assertFalse(p.permits("other.hospital.example", ehr));
        assertFalse(p.permits(null, ehr));
        assertFalse(p.permits("ehr.hospital.example", InetAddress.getByName("127.0.0.1")));
        assertFalse(p.permits("ehr.hospital.example", InetAddress.getByName("169.254.169.254")));
        assertFalse(p.permits("ehr.hospital.example", InetAddress.getByName("::1")));
        assertTrue(p.permits("ehr.hospital.example", InetAddress.getByName("fd00::10")));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theCanaryReceivedNothingOverTheWholeCorpus() {
        assertEquals(List.of(), canaryHits());
    }
}
