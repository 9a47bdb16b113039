package io.medhook.workflow.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Which resolved addresses a workflow may connect to. Everything that is not a public unicast address is blocked —
 * loopback, RFC 1918, link-local (cloud metadata 169.254.169.254 included), CGNAT, multicast, broadcast, reserved and
 * documentation ranges, unspecified, IPv6 unique-local, site-local and link-local, and IPv4 addresses embedded in IPv6
 * (mapped, compatible, NAT64, 6to4) by the rules of the embedded address — unless an admin allow-listed its CIDR.
 */
public final class EgressPolicy {

    private static final List<Cidr> BLOCKED = List.of(
            // IPv4 special-purpose ranges (RFC 6890 and successors)
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"),
            Cidr.parse("127.0.0.0/8"), Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.0.0.0/24"), Cidr.parse("192.0.2.0/24"), Cidr.parse("192.88.99.0/24"),
            Cidr.parse("192.168.0.0/16"), Cidr.parse("198.18.0.0/15"), Cidr.parse("198.51.100.0/24"),
            Cidr.parse("203.0.113.0/24"), Cidr.parse("224.0.0.0/4"), Cidr.parse("240.0.0.0/4"),
            // IPv6
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("100::/64"), Cidr.parse("2001::/23"),
            Cidr.parse("2001:db8::/32"), Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"), Cidr.parse("fec0::/10"),
            Cidr.parse("ff00::/8"));
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr NAT64_LOCAL = Cidr.parse("64:ff9b:1::/48");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");
    private static final Cidr V4_COMPATIBLE = Cidr.parse("::/96");

    private final List<Cidr> allowed;

    public EgressPolicy(List<Cidr> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    public static EgressPolicy fromConfig(Optional<List<String>> cidrs) {
        return new EgressPolicy(cidrs.orElse(List.of()).stream().map(String::strip).filter(s -> !s.isEmpty())
                .map(Cidr::parse).toList());
    }

    /** Whether connecting to this address is allowed. */
    public boolean permits(InetAddress address) {
        for (Cidr c : allowed) {
            if (c.contains(address)) {
                return true;
            }
        }
        return isPublic(address);
    }

    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            if ((b[0] & 0xFF) == 255 && (b[1] & 0xFF) == 255 && (b[2] & 0xFF) == 255 && (b[3] & 0xFF) == 255) {
                return false;
            }
        } else if (a instanceof Inet6Address) {
            InetAddress embedded = embeddedV4(b);
            if (embedded != null) {
                return isPublic(embedded);
            }
        }
        for (Cidr c : BLOCKED) {
            if (c.contains(b)) {
                return false;
            }
        }
        return true;
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
