package io.medhook.workflow.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network in CIDR notation. Parsing accepts numeric addresses only (no DNS). */
public record Cidr(byte[] network, int prefix) {

    /** The message when an IPv4-mapped IPv6 form is given (the JDK reads those as IPv4 addresses). */
    static final String MAPPED = "an IPv4-mapped IPv6 address: list the IPv4 range";

    public static Cidr parse(String s) {
        String t = s.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (!addr.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not a numeric address: " + t);
        }
        try {
            byte[] bytes = InetAddress.getByName(addr).getAddress();
            if (addr.contains(":") && bytes.length == 4) {
                throw new IllegalArgumentException(MAPPED);
            }
            int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(t.substring(slash + 1));
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("bad prefix length: " + t);
            }
            return new Cidr(bytes, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("not a CIDR: " + t, e);
        }
    }

    public boolean contains(InetAddress a) {
        return contains(a.getAddress());
    }

    public boolean contains(byte[] addr) {
        if (addr.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (addr[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (addr[full] & mask) == (network[full] & mask);
    }

    /** Whether the two networks share any address. */
    public boolean overlaps(Cidr other) {
        return network.length == other.network.length
                && new Cidr(network, Math.min(prefix, other.prefix)).contains(other.network);
    }

    /** The network with the bits beyond the prefix cleared. */
    public Cidr masked() {
        byte[] m = network.clone();
        for (int bit = prefix; bit < m.length * 8; bit++) {
            m[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new Cidr(m, prefix);
    }

    /** Whether bits beyond the prefix are set (as in 10.1.2.3/8). */
    public boolean hasHostBits() {
        return !java.util.Arrays.equals(network, masked().network);
    }

    /** Canonical text: address/prefix. */
    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && prefix == c.prefix && java.util.Arrays.equals(network, c.network);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(network) + prefix;
    }
}
