package io.medhook.workflow.egress;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A URL taken apart and refused early when it is anything but a plain http(s) URL with a plain host: every refusal is
 * an {@code egress_blocked} {@link EgressException} whose message names the reason and never the URL.
 *
 * @param host the host as connected to: a lower-case DNS name without trailing dot, or an IP literal (IPv6 without
 *        brackets)
 */
record EgressTarget(URI uri, boolean tls, String host, int port, String pathAndQuery) {

    /** Names that are loopback or cloud metadata by definition, refused before any resolution. */
    private static final Set<String> RESERVED_NAMES = Set.of("localhost", "localhost.localdomain",
            "ip6-localhost", "ip6-loopback", "metadata", "metadata.google.internal", "metadata.goog",
            "instance-data", "instance-data.ec2.internal", "metadata.azure.internal", "metadata.tencentyun.com");
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");
    private static final Pattern CANONICAL_IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    /** A last label that URL parsers (WHATWG) read as a number: then the whole host is an IPv4 address to them. */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    static EgressTarget parse(String url) {
        if (url == null || url.isEmpty()) {
            throw blocked("the URL is empty");
        }
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw blocked("the URL contains whitespace, control or non-ASCII characters (percent-encode the path; "
                        + "write international host names in punycode)");
            }
            if (c == '\\') {
                throw blocked("the URL contains a backslash");
            }
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw blocked("the URL is not valid");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw blocked("only http and https URLs are allowed");
        }
        if (uri.isOpaque() || uri.getRawAuthority() == null) {
            throw blocked("the URL has no host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawAuthority().contains("@")) {
            throw blocked("the URL carries user info; credentials belong in a credential, never in a URL");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            // java.net.URI gives no host for what it cannot read as one (127.1, 0x7f.1, %31..., a..b): name the
            // reason when the raw authority shows it, and refuse either way
            String raw = uri.getRawAuthority();
            String rawHost = raw.startsWith("[") || raw.lastIndexOf(':') < 0 ? raw
                    : raw.substring(0, raw.lastIndexOf(':'));
            String rawPort = rawHost.length() == raw.length() ? "" : raw.substring(rawHost.length() + 1);
            if (rawPort.matches("-[0-9]+") || rawPort.matches("[0-9]+")
                    && (rawPort.length() > 5 || Integer.parseInt(rawPort) == 0 || Integer.parseInt(rawPort) > 65535)) {
                throw blocked("the URL's port is not valid");
            }
            String problem = rawHost.contains("%") || rawHost.startsWith("[") ? null
                    : hostProblem(EgressPolicy.normaliseHost(rawHost));
            throw blocked(problem != null ? problem : "the URL has no usable host (percent-encoded or malformed host)");
        }
        int port = uri.getPort();
        if (port == 0 || port > 65535 || (port < 0 && uri.getRawAuthority().contains(":")
                && !uri.getRawAuthority().endsWith("]"))) {
            throw blocked("the URL's port is not valid");
        }
        boolean tls = scheme.equals("https");
        if (port < 0) {
            port = tls ? 443 : 80;
        }
        String bare;
        if (host.startsWith("[")) {
            bare = host.substring(1, host.length() - 1);
            if (bare.contains("%")) {
                throw blocked("IPv6 zone identifiers are not allowed");
            }
            if (!IPV6_LITERAL.matcher(bare).matches()) {
                throw blocked("the URL's IPv6 address is not valid");
            }
        } else {
            bare = EgressPolicy.normaliseHost(host);
            String problem = hostProblem(bare);
            if (problem != null) {
                throw blocked(problem);
            }
        }
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return new EgressTarget(uri, tls, bare, port, path);
    }

    /**
     * Why a normalised host (lower case, no trailing dot; not a bracketed IPv6 literal) is refused before resolution,
     * or null: not a valid DNS name, a number in a non-canonical IPv4 form (which URL parsers disagree on: 0177.0.0.1
     * is 127.0.0.1 to curl and 177.0.0.1 to the JDK), or a name reserved for loopback or cloud metadata.
     */
    static String hostProblem(String bare) {
        if (!DNS_NAME.matcher(bare).matches()) {
            return "the host name is not valid";
        }
        String last = bare.substring(bare.lastIndexOf('.') + 1);
        if (NUMERIC_LABEL.matcher(last).matches() && !CANONICAL_IPV4.matcher(bare).matches()) {
            return "the host is a number in a non-canonical form (write IPv4 addresses as four decimal parts "
                    + "without leading zeros)";
        }
        if (RESERVED_NAMES.contains(bare) || bare.endsWith(".localhost")) {
            return "the host name is reserved for loopback or cloud metadata";
        }
        return null;
    }

    static boolean isCanonicalIpv4(String bare) {
        return CANONICAL_IPV4.matcher(bare).matches();
    }

    /** Whether another target is on the same origin (scheme, host, port). */
    boolean sameOrigin(EgressTarget other) {
        return tls == other.tls && host.equals(other.host) && port == other.port;
    }

    private static EgressException blocked(String reason) {
        return new EgressException(EgressException.BLOCKED, reason);
    }
}
