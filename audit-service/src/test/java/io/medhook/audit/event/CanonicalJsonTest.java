package io.medhook.audit.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The canonical form and the chain hash, against fixed vectors. The two chain vectors were computed independently
 * with Python ({@code json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)} and hashlib), the
 * recipe the README gives auditors.
 */
class CanonicalJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Object parse(String json) throws Exception {
        return JSON.readValue(json, new TypeReference<Object>() {
        });
    }

    @Test
    void sortsMembersAndDropsWhitespace() throws Exception {
        assertEquals("{\"a\":[3,{\"x\":null,\"y\":1}],\"b\":true,\"c\":\"s\"}",
                CanonicalJson.write(parse("{ \"c\": \"s\", \"b\": true, \"a\": [3, {\"y\": 1, \"x\": null}] }")));
    }

    @Test
    void writesNumbersLikeEcmaScript() throws Exception {
        assertEquals("[1.5,100,0,1e+21,1e-7,0.000001,-2.5e-10,123456789012345680000,5e-324,1.7976931348623157e+308]",
                CanonicalJson.write(parse("[1.50, 100.0, -0.0, 1e21, 1e-7, 0.000001, -2.5e-10, 1.2345678901234568e20,"
                        + " 5e-324, 1.7976931348623157e308]")));
    }

    @Test
    void keepsEveryDigitOfIntegers() throws Exception {
        assertEquals("[9007199254740993,123456789012345678901234567890,-7]",
                CanonicalJson.write(parse("[9007199254740993, 123456789012345678901234567890, -7]")));
        assertEquals("[42]", CanonicalJson.write(Arrays.asList(BigInteger.valueOf(42))));
    }

    @Test
    void escapesStringsLikeJsonStringify() {
        assertEquals("\"q\\\"b\\\\n\\nt\\tc\\u0001\\u001fé€😀/\"",
                CanonicalJson.write("q\"b\\n\nt\tc\u0001\u001fé€😀/"));
    }

    @Test
    void refusesUnpairedSurrogates() {
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write("x\ud800y"));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(Map.of("k\udc00", 1)));
    }

    @Test
    void isIdempotent() throws Exception {
        String once = CanonicalJson.write(parse("{\"z\":[1e300,2.0,-0.5,1e-9],\"a\":{\"é\":\"\\u0000\",\"e\":{}}}"));
        assertEquals(once, CanonicalJson.write(parse(once)));
    }

    @Test
    void chainsFixedVectors() throws Exception {
        String change = CanonicalJson.write(parse("{\"before\":{\"name\":\"old\"},"
                + "\"after\":{\"name\":\"new\",\"n\":1.5,\"tags\":[\"a\",\"b\"],\"note\":null}}"));
        StoredEvent first = new StoredEvent(1, UUID.fromString("0190f5a2-7c3e-7abc-8def-0123456789ab"),
                Instant.parse("2025-03-04T05:06:07.123456Z"), "user", "u-42", "Dr. Ünal", "credential.update",
                "credential", "cred-7", "ws-1", "success", "req-abc", "192.0.2.10", "Mozilla/5.0", change, null, null);
        String canonical = ChainHash.canonical(first);
        assertEquals("{\"action\":\"credential.update\","
                + "\"actor\":{\"id\":\"u-42\",\"name\":\"Dr. Ünal\",\"type\":\"user\"},"
                + "\"change\":{\"after\":{\"n\":1.5,\"name\":\"new\",\"note\":null,\"tags\":[\"a\",\"b\"]},"
                + "\"before\":{\"name\":\"old\"}},\"id\":\"0190f5a2-7c3e-7abc-8def-0123456789ab\","
                + "\"occurredAt\":\"2025-03-04T05:06:07.123456Z\",\"outcome\":\"success\",\"requestId\":\"req-abc\","
                + "\"resource\":{\"id\":\"cred-7\",\"type\":\"credential\"},\"sourceAddress\":\"192.0.2.10\","
                + "\"userAgent\":\"Mozilla/5.0\",\"workspaceId\":\"ws-1\"}", canonical);
        String h1 = ChainHash.hash(ChainHash.GENESIS, canonical);
        assertEquals("0ca3f674dadabf4274d101c5c180997fe9f1f729fea1aa42a9da1ada0a69dead", h1);

        // nulls are omitted; whole seconds still carry six fractional digits
        StoredEvent second = new StoredEvent(2, UUID.fromString("0190f5a2-7c3f-7000-8000-000000000001"),
                Instant.parse("2025-03-04T05:06:08Z"), "system", "retention", "retention", "retention.run", null, null,
                null, "failure", null, null, null, null, h1, null);
        assertEquals("{\"action\":\"retention.run\",\"actor\":{\"id\":\"retention\",\"name\":\"retention\","
                + "\"type\":\"system\"},\"id\":\"0190f5a2-7c3f-7000-8000-000000000001\","
                + "\"occurredAt\":\"2025-03-04T05:06:08.000000Z\",\"outcome\":\"failure\"}",
                ChainHash.canonical(second));
        assertEquals("a3e23df5ae1967c49cf19c826e613ebb1f1237ce0b892721c7d1121a9062a72f",
                ChainHash.hash(h1, ChainHash.canonical(second)));
    }

    @Test
    void keepsMemberOrderIndependentOfInputOrder() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("b", 1);
        a.put("a", 2);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("a", 2);
        b.put("b", 1);
        assertEquals(CanonicalJson.write(a), CanonicalJson.write(b));
    }
}
