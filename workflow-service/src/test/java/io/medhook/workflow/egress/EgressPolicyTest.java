package io.medhook.workflow.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class EgressPolicyTest {

    private static final EgressPolicy DEFAULT = new EgressPolicy(List.of());

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255",
            "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1",
            "100.127.255.255", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1",
            "239.255.255.250", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1",
            "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
            "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2002:a9fe:a9fe::1", "2001:db8::1",
            "2001::1", "100::1", "0:0:0:0:0:0:0:1", "0000:0000:0000:0000:0000:ffff:7f00:0001"})
    void blocksNonPublicAddresses(String address) throws Exception {
        assertFalse(DEFAULT.permits(InetAddress.getByName(address)), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "172.15.255.255", "100.128.0.1",
            "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"})
    void permitsPublicAddresses(String address) throws Exception {
        assertTrue(DEFAULT.permits(InetAddress.getByName(address)), address);
    }

    @Test
    void allowListOpensOnlyTheListedRanges() throws Exception {
        EgressPolicy p = EgressPolicy.fromConfig(Optional.of(List.of(" 127.0.0.2/32", "10.1.0.0/16", "")));
        assertTrue(p.permits(InetAddress.getByName("127.0.0.2")));
        assertTrue(p.permits(InetAddress.getByName("10.1.200.3")));
        assertFalse(p.permits(InetAddress.getByName("127.0.0.1")));
        assertFalse(p.permits(InetAddress.getByName("10.2.0.1")));
        assertFalse(p.permits(InetAddress.getByName("169.254.169.254")));
    }

    @Test
    void allowListAcceptsOnlyNumericCidrs() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("internal.example/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertEquals(24, Cidr.parse("192.168.7.0/24").prefix());
    }

    @Test
    void decimalAndOctalIpv4FormsResolveToTheirAddress() throws Exception {
        // what the JDK makes of parser tricks that a URL may contain: blocked space or no address at all. (The JDK
        // reads "0177.0.0.1" as decimal 177.0.0.1, a public address, and the connection goes to exactly that address,
        // never to 127.0.0.1, so that spelling cannot reach loopback here.)
        assertEquals("177.0.0.1", InetAddress.getByName("0177.0.0.1").getHostAddress());
        for (String trick : List.of("2130706433", "0x7f.1", "127.1", "017700000001", "0x7f000001", "127.0.1")) {
            try {
                InetAddress a = InetAddress.getByName(trick);
                assertFalse(DEFAULT.permits(a), trick + " -> " + a);
            } catch (java.net.UnknownHostException e) {
                // not resolvable: the request fails before any connection
            }
        }
    }
}
