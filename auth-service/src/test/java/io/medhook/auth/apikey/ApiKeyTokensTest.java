package io.medhook.auth.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medhook.common.security.WorkspaceRole;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyTokensTest {

    @Test
    void sandboxAndProductionKeysCarryTheirKindInThePrefix() {
        assertTrue(ApiKeyTokens.generate("sandbox").startsWith("mh_sk_sbx_"));
        assertTrue(ApiKeyTokens.generate("production").startsWith("mh_sk_live_"));
    }

    @Test
    void keysCarryAtLeast256RandomBitsBeyondTheDisplayedPrefix() {
        String key = ApiKeyTokens.generate("production");
        String body = key.substring("mh_sk_live_".length());
        assertEquals(54, body.length(), "base64url of 40 random bytes");
        assertTrue((body.length() - ApiKeyTokens.DISPLAY_CHARS) * 6 - 4 >= 256, "undisplayed bits");
        assertTrue(ApiKeyTokens.wellFormed(key));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertTrue(seen.add(ApiKeyTokens.generate("sandbox")));
        }
    }

    @Test
    void displayPrefixIsTheKindPrefixAndEightCharacters() {
        String key = ApiKeyTokens.generate("sandbox");
        assertEquals(key.substring(0, "mh_sk_sbx_".length() + 8), ApiKeyTokens.displayPrefix(key));
    }

    @Test
    void malformedKeysAreRecognisedBeforeAnyLookup() {
        assertFalse(ApiKeyTokens.wellFormed(null));
        assertFalse(ApiKeyTokens.wellFormed("mh_sk_sbx_short"));
        assertFalse(ApiKeyTokens.wellFormed("mh_sk_test_" + "A".repeat(54)));
        assertFalse(ApiKeyTokens.wellFormed("mh_sk_sbx_" + "A".repeat(53) + "="));
    }

    @Test
    void hashIsSha256OfTheWholeKey() {
        String key = ApiKeyTokens.generate("sandbox");
        assertEquals(32, ApiKeyTokens.sha256(key).length);
        assertNotEquals(ApiKeyTokens.fingerprint(ApiKeyTokens.sha256(key)),
                ApiKeyTokens.fingerprint(ApiKeyTokens.sha256(key + "x")));
    }

    @Test
    void noRoleAboveTheCreatorsCanBeGranted() {
        assertTrue(ApiKeyService.mayGrant(WorkspaceRole.ADMIN, WorkspaceRole.ADMIN));
        assertTrue(ApiKeyService.mayGrant(WorkspaceRole.ADMIN, WorkspaceRole.AUDITOR));
        assertTrue(ApiKeyService.mayGrant(WorkspaceRole.EDITOR, WorkspaceRole.VIEWER));
        assertFalse(ApiKeyService.mayGrant(WorkspaceRole.EDITOR, WorkspaceRole.ADMIN));
        assertFalse(ApiKeyService.mayGrant(WorkspaceRole.VIEWER, WorkspaceRole.EDITOR));
        assertFalse(ApiKeyService.mayGrant(WorkspaceRole.AUDITOR, WorkspaceRole.VIEWER));
        assertFalse(ApiKeyService.mayGrant(null, WorkspaceRole.VIEWER));
    }
}
