package io.medhook.localpg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PgTargetTest {

    @Test
    void parsesUriWithCredentials() {
        PgTarget t = PgTarget.parse("postgresql://med%40hook:s3cr%3At@db.example:6543/ignored", null, null);
        assertEquals("db.example", t.host());
        assertEquals(6543, t.port());
        assertEquals("med@hook", t.user());
        assertEquals("s3cr:t", t.password());
        assertEquals("jdbc:postgresql://db.example:6543/medhook_auth", t.jdbcUrl("medhook_auth"));
    }

    @Test
    void parsesJdbcUrlWithQueryCredentials() {
        PgTarget t = PgTarget.parse("jdbc:postgresql://10.0.0.5/x?user=app&password=pw", null, null);
        assertEquals(5432, t.port());
        assertEquals("app", t.user());
        assertEquals("pw", t.password());
    }

    @Test
    void overridesWinAndDefaultsApply() {
        PgTarget t = PgTarget.parse("postgres://h", "other", "pw2");
        assertEquals("other", t.user());
        assertEquals("pw2", t.password());
        assertNull(PgTarget.parse("postgres://h", null, null).password());
    }

    @Test
    void rejectsOtherSchemes() {
        assertThrows(IllegalArgumentException.class, () -> PgTarget.parse("mysql://h", null, null));
    }

    @Test
    void toStringNeverShowsThePassword() {
        assertFalse(PgTarget.parse("postgresql://u:topsecret@h", null, null).toString().contains("topsecret"));
    }

    @Test
    void refusesUnsafeDatabaseNames() {
        PgTarget t = new PgTarget("127.0.0.1", 1, "u", null, "local");
        assertThrows(IllegalArgumentException.class, () -> LocalPostgres.ensureDatabases(t, "x; drop table y"));
    }
}
