package io.medhook.common.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AuditChangeTest {

    record Account(String username, @Sensitive(Sensitivity.SECRET) String passwordHash, boolean owner) {
    }

    record Patient(@Sensitive(Sensitivity.PHI) String mrn, String ward) {
    }

    record Header(String name, @Sensitive(Sensitivity.SECRET) String value) {
    }

    record Step(String id, @Sensitive(Sensitivity.PHI) String url, List<Header> headers) {
    }

    record Flow(String name, int version, List<Step> steps, Map<String, Step> byId, Step first) {
    }

    record Leaky(String name, String apiToken) {
    }

    record Nested(String name, Leaky inner) {
    }

    record KeyRef(@Sensitive(Sensitivity.CLEAR) String keyId, @Sensitive(Sensitivity.SECRET) byte[] keyHash) {
    }

    record Kinds(UUID id, Instant at, Sensitivity kind, byte[] raw) {
    }

    record Unsafe(String name, Object payload) {
    }

    static final class Plain {
        private final String label;
        @Sensitive(Sensitivity.SECRET)
        private final String pin;

        Plain(String label, String pin) {
            this.label = label;
            this.pin = pin;
        }
    }

    private static final String SECRET = "s3cr3t-hash-value";
    private static final String MRN = "MRN-0042-77";

    @Test
    void secretIsReplacedByTheMarker() {
        Map<String, Object> change = AuditChange.created(new Account("alice", SECRET, false));
        Map<?, ?> after = (Map<?, ?>) change.get("after");
        assertEquals("[secret]", after.get("passwordHash"));
        assertFalse(AuditJson.MAPPER.valueToTree(change).toString().contains(SECRET));
    }

    @Test
    void phiIsReplacedByTheMarker() {
        Map<?, ?> after = (Map<?, ?>) AuditChange.created(new Patient(MRN, "3B")).get("after");
        assertEquals("[phi]", after.get("mrn"));
        assertEquals("3B", after.get("ward"));
    }

    @Test
    void markerNeverDependsOnTheLengthOfTheValue() {
        Map<?, ?> shortOne = (Map<?, ?>) AuditChange.snapshot(new Account("a", "x", false));
        Map<?, ?> longOne = (Map<?, ?>) AuditChange.snapshot(new Account("a", "x".repeat(500), false));
        Map<?, ?> empty = (Map<?, ?>) AuditChange.snapshot(new Account("a", "", false));
        assertEquals(shortOne, longOne);
        assertEquals(shortOne, empty);
    }

    @Test
    void undeclaredClearFieldsAreKeptInComponentOrder() {
        Map<?, ?> after = (Map<?, ?>) AuditChange.created(new Account("alice", SECRET, true)).get("after");
        assertEquals(List.of("username", "passwordHash", "owner"), List.copyOf(after.keySet()));
        assertEquals("alice", after.get("username"));
        assertEquals(true, after.get("owner"));
    }

    @Test
    void deletedRecordsTheBeforeState() {
        Map<String, Object> change = AuditChange.deleted(new Account("bob", SECRET, false));
        assertEquals(List.of("before"), List.copyOf(change.keySet()));
        assertEquals("bob", ((Map<?, ?>) change.get("before")).get("username"));
    }

    @Test
    void updateListsOnlyTheFieldsThatDiffer() {
        Map<String, Object> change = AuditChange.updated(new Account("alice", SECRET, false),
                new Account("alice", SECRET, true));
        assertEquals(Map.of("owner", false), change.get("before"));
        assertEquals(Map.of("owner", true), change.get("after"));
    }

    @Test
    void changedSecretIsListedWithoutItsValues() {
        Map<String, Object> change = AuditChange.updated(new Account("alice", SECRET, false),
                new Account("alice", "another-" + SECRET, false));
        assertEquals(Map.of("passwordHash", "[secret]"), change.get("before"));
        assertEquals(Map.of("passwordHash", "[secret]"), change.get("after"));
        assertTrue(AuditChange.differ(new Account("a", "x", false), new Account("a", "y", false)));
        assertFalse(AuditJson.MAPPER.valueToTree(change).toString().contains(SECRET));
    }

    @Test
    void unchangedUpdateHasEmptySides() {
        Map<String, Object> change = AuditChange.updated(new Account("alice", SECRET, false),
                new Account("alice", SECRET, false));
        assertEquals(Map.of(), change.get("before"));
        assertEquals(Map.of(), change.get("after"));
        assertFalse(AuditChange.differ(new Account("alice", SECRET, false), new Account("alice", SECRET, false)));
    }

    @Test
    void byteArraysAreComparedByContent() {
        KeyRef a = new KeyRef("k1", new byte[] { 1, 2, 3 });
        assertFalse(AuditChange.differ(a, new KeyRef("k1", new byte[] { 1, 2, 3 })));
        Map<String, Object> change = AuditChange.updated(a, new KeyRef("k1", new byte[] { 9 }));
        assertEquals(Map.of("keyHash", "[secret]"), change.get("after"));
    }

    @Test
    void nestedRecordsCollectionsAndMapsAreMaskedByTheirOwnDeclarations() {
        Step step = new Step("send", "https://fhir.example.org/Patient/" + MRN,
                List.of(new Header("Authorization", "Bearer " + SECRET)));
        Flow flow = new Flow("intake", 1, List.of(step), Map.of("send", step), step);
        Map<?, ?> after = (Map<?, ?>) AuditChange.created(flow).get("after");
        Map<?, ?> first = (Map<?, ?>) after.get("first");
        assertEquals("send", first.get("id"));
        assertEquals("[phi]", first.get("url"));
        Map<?, ?> header = (Map<?, ?>) ((List<?>) first.get("headers")).get(0);
        assertEquals("Authorization", header.get("name"));
        assertEquals("[secret]", header.get("value"));
        assertEquals(first, ((List<?>) after.get("steps")).get(0));
        assertEquals(first, ((Map<?, ?>) after.get("byId")).get("send"));
        String json = AuditJson.MAPPER.valueToTree(after).toString();
        assertFalse(json.contains(SECRET));
        assertFalse(json.contains(MRN));
    }

    @Test
    void changeInsideANestedMaskedValueStillListsTheTopLevelField() {
        Step a = new Step("send", "https://x.example/1", List.of(new Header("Authorization", "one")));
        Step b = new Step("send", "https://x.example/1", List.of(new Header("Authorization", "two")));
        Map<String, Object> change = AuditChange.updated(new Flow("f", 1, List.of(a), Map.of(), a),
                new Flow("f", 1, List.of(b), Map.of(), b));
        assertEquals(List.of("steps", "first"), List.copyOf(((Map<?, ?>) change.get("after")).keySet()));
        assertEquals(change.get("before"), change.get("after"), "the values themselves never show");
    }

    @Test
    void undeclaredSecretLookingNameFailsNamingClassAndField() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AuditChange.created(new Leaky("x", "tok-123")));
        assertTrue(e.getMessage().contains(Leaky.class.getName() + ".apiToken"), e.getMessage());
        assertFalse(e.getMessage().contains("tok-123"));
    }

    @Test
    void undeclaredSecretInANestedTypeFailsEvenWhenItIsNull() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AuditChange.created(new Nested("x", null)));
        assertTrue(e.getMessage().contains(Leaky.class.getName() + ".apiToken"), e.getMessage());
    }

    @Test
    void secretLookingNamesAreRecognised() {
        for (String name : List.of("password", "passwordHash", "clientSecret", "accessToken", "webhook_token",
                "apiKey", "apikey", "privateKey", "keyHash", "key", "dataKeyWrapped", "otp", "sessionCookie")) {
            assertTrue(AuditChange.looksSecret(name), name);
        }
        for (String name : List.of("username", "displayName", "owner", "monkey", "keyboardLayout", "prefix",
                "hashtag", "url", "headers", "kid")) {
            assertFalse(AuditChange.looksSecret(name), name);
        }
    }

    @Test
    void clearDeclarationSilencesTheNameCheck() {
        Map<?, ?> after = (Map<?, ?>) AuditChange.created(new KeyRef("kid-1", new byte[] { 1 })).get("after");
        assertEquals("kid-1", after.get("keyId"));
        assertEquals("[secret]", after.get("keyHash"));
    }

    @Test
    void nullsStayNullMaskedOrNot() {
        Map<?, ?> after = (Map<?, ?>) AuditChange.created(new Account(null, null, false)).get("after");
        assertTrue(after.containsKey("username"));
        assertNull(after.get("username"));
        assertNull(after.get("passwordHash"), "a masked null tells only that nothing is set");
        Map<String, Object> change = AuditChange.updated(new Account("a", null, false),
                new Account("a", SECRET, false));
        Map<String, Object> before = new LinkedHashMap<>();
        before.put("passwordHash", null);
        assertEquals(before, change.get("before"));
        assertEquals(Map.of("passwordHash", "[secret]"), change.get("after"));
        assertThrows(NullPointerException.class, () -> AuditChange.created(null));
        assertThrows(NullPointerException.class, () -> AuditChange.updated(new Account("a", null, false), null));
    }

    @Test
    void valuesAreRenderedAsJsonValues() {
        UUID id = UUID.randomUUID();
        Instant at = Instant.parse("2025-03-04T05:06:07.123456Z");
        Map<?, ?> s = AuditChange.snapshot(new Kinds(id, at, Sensitivity.PHI, new byte[] { 1, 2 }));
        assertEquals(id.toString(), s.get("id"));
        assertEquals("2025-03-04T05:06:07.123456Z", s.get("at"));
        assertEquals("PHI", s.get("kind"));
        assertEquals("AQI=", s.get("raw"));
    }

    @Test
    void unsupportedValuesAndNonSnapshotsAreRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AuditChange.created(new Unsafe("x", new StringBuilder("payload-xyz-987"))));
        assertTrue(e.getMessage().contains(Unsafe.class.getName() + ".payload"), e.getMessage());
        assertFalse(e.getMessage().contains("xyz-987"));
        assertThrows(IllegalArgumentException.class, () -> AuditChange.created("just a string"));
        assertThrows(IllegalArgumentException.class,
                () -> AuditChange.updated(new Account("a", null, false), new Patient("m", "w")));
    }

    @Test
    void plainClassesDeclareOnFields() {
        Map<?, ?> after = (Map<?, ?>) AuditChange.created(new Plain("door", "1234")).get("after");
        assertEquals("door", after.get("label"));
        assertEquals("[secret]", after.get("pin"));
    }
}
