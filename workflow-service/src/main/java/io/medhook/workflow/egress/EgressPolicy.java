package io.medhook.workflow.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which resolved addresses a workflow may connect to. Everything that is not a public unicast address is blocked —
 * loopback, RFC 1918, link-local (cloud metadata 169.254.169.254 included), CGNAT, multicast, broadcast, reserved and
 * documentation ranges, unspecified, IPv6 unique-local, site-local and link-local, and IPv4 addresses embedded in IPv6
 * (mapped, compatible, NAT64, 6to4) by the rules of the embedded address — unless an admin allow-listed it:
 * <ul>
 * <li>a CIDR entry opens that range for every destination;</li>
 * <li>a host entry opens, for that exact name only (case-insensitive), the addresses the name resolves to, if they
 * are private (RFC 1918, CGNAT, unique-local, site-local, reserved, documentation); loopback, unspecified, link-local
 * (cloud metadata), multicast and broadcast addresses stay blocked for host entries.</li>
 * </ul>
 */
public final class EgressPolicy {

    /** A blocked range, why, and whether a host entry may open it. */
    private record Range(Cidr cidr, String reason, boolean hostEntryMayOpen) {
        Range(String cidr, String reason, boolean hostEntryMayOpen) {
            this(Cidr.parse(cidr), reason, hostEntryMayOpen);
        }
    }

    /** Why an address is blocked. */
    public record Block(String reason, boolean hostEntryMayOpen) {
    }

    private static final List<Range> BLOCKED = List.of(
            // IPv4 special-purpose ranges (RFC 6890 and successors); broadcast before the reserved 240/4
            new Range("0.0.0.0/8", "unspecified", false),
            new Range("10.0.0.0/8", "private (RFC 1918)", true),
            new Range("100.64.0.0/10", "shared address space (CGNAT)", true),
            new Range("127.0.0.0/8", "loopback", false),
            new Range("169.254.0.0/16", "link-local (cloud metadata)", false),
            new Range("172.16.0.0/12", "private (RFC 1918)", true),
            new Range("192.0.0.0/24", "IETF protocol assignments", true),
            new Range("192.0.2.0/24", "documentation", true),
            new Range("192.88.99.0/24", "6to4 relay anycast", true),
            new Range("192.168.0.0/16", "private (RFC 1918)", true),
            new Range("198.18.0.0/15", "benchmarking", true),
            new Range("198.51.100.0/24", "documentation", true),
            new Range("203.0.113.0/24", "documentation", true),
            new Range("224.0.0.0/4", "multicast", false),
            new Range("255.255.255.255/32", "broadcast", false),
            new Range("240.0.0.0/4", "reserved", true),
            // IPv6
            new Range("::/128", "unspecified", false),
            new Range("::1/128", "loopback", false),
            new Range("100::/64", "discard-only", true),
            new Range("2001::/23", "IETF protocol assignments", true),
            new Range("2001:db8::/32", "documentation", true),
            new Range("fc00::/7", "unique-local", true),
            new Range("fe80::/10", "link-local", false),
            new Range("fec0::/10", "site-local", true),
            new Range("ff00::/8", "multicast", false));
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr NAT64_LOCAL = Cidr.parse("64:ff9b:1::/48");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");
    private static final Cidr V4_COMPATIBLE = Cidr.parse("::/96");

    private final List<Cidr> allowed;
    private final Set<String> hosts;

    public EgressPolicy(List<Cidr> allowed) {
        this(allowed, Set.of());
    }

    /** @param hosts normalised host names (lower case, no trailing dot) */
    public EgressPolicy(List<Cidr> allowed, Set<String> hosts) {
        this.allowed = List.copyOf(allowed);
        this.hosts = Set.copyOf(hosts);
    }

    public static EgressPolicy fromConfig(Optional<List<String>> cidrs) {
        return new EgressPolicy(cidrs.orElse(List.of()).stream().map(String::strip).filter(s -> !s.isEmpty())
                .map(Cidr::parse).toList());
    }

    /** Whether connecting to this address is allowed (CIDR entries only). */
    public boolean permits(InetAddress address) {
        return permits(null, address);
    }

    /** Whether connecting to this address, resolved from {@code host}, is allowed. */
    public boolean permits(String host, InetAddress address) {
        return blocked(host, address) == null;
    }

    /** Why connecting to this address, resolved from {@code host} (may be null), is refused; null when allowed. */
    public Block blocked(String host, InetAddress address) {
        for (Cidr c : allowed) {
            if (c.contains(address)) {
                return null;
            }
        }
        Block b = block(address);
        if (b == null) {
            return null;
        }
        if (host != null && b.hostEntryMayOpen() && hosts.contains(normaliseHost(host))) {
            return null;
        }
        return b;
    }

    /** Lower case, one trailing dot removed. */
    public static String normaliseHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    static boolean isPublic(InetAddress a) {
        return block(a) == null;
    }

    /** Why an address is not public, or null when it is. */
    static Block block(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) {
            InetAddress embedded = embeddedV4(b);
            if (embedded != null) {
                Block inner = block(embedded);
                return inner == null ? null : new Block(inner.reason() + ", embedded in IPv6", inner.hostEntryMayOpen());
            }
        }
        for (Range r : BLOCKED) {
            if (r.cidr().contains(b)) {
                return new Block(r.reason(), r.hostEntryMayOpen());
            }
        }
        // belt and braces: whatever the JDK itself classifies as non-global
        if (a.isAnyLocalAddress()) {
            return new Block("unspecified", false);
        }
        if (a.isLoopbackAddress()) {
            return new Block("loopback", false);
        }
        if (a.isLinkLocalAddress()) {
            return new Block("link-local", false);
        }
        if (a.isMulticastAddress()) {
            return new Block("multicast", false);
        }
        if (a.isSiteLocalAddress()) {
            return new Block(a instanceof Inet4Address ? "private (RFC 1918)" : "site-local", true);
        }
        return null;
    }

    /** The IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64, 6to4), or null. */
    static InetAddress embeddedV4(byte[] v6) {
        try {
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= v6[i] == 0;
            }
            mapped &= (v6[10] & 0xFF) == 0xFF && (v6[11] & 0xFF) == 0xFF;
            if (mapped || NAT64.contains(v6) || (V4_COMPATIBLE.contains(v6) && !isZeroOrOne(v6))) {
                return InetAddress.getByAddress(new byte[] {v6[12], v6[13], v6[14], v6[15]});
            }
            if (NAT64_LOCAL.contains(v6)) {
                return InetAddress.getByAddress(new byte[] {v6[12], v6[13], v6[14], v6[15]});
            }
            if (SIX_TO_FOUR.contains(v6)) {
                return InetAddress.getByAddress(new byte[] {v6[2], v6[3], v6[4], v6[5]});
            }
            return null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isZeroOrOne(byte[] v6) {
        for (int i = 0; i < 15; i++) {
            if (v6[i] != 0) {
                return false;
            }
        }
        return v6[15] == 0 || v6[15] == 1;
    }
}
