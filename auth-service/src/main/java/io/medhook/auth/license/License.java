package io.medhook.auth.license;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.smallrye.mutiny.Uni;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** An installed license: the SHA-256 of its key and its parsed claims, never the key. The newest row is in force. */
@Entity
@Table(name = "license")
public class License extends PanacheEntityBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Id
    public UUID id;

    @Column(name = "key_hash", nullable = false)
    public byte[] keyHash;

    @Column(name = "license_id", nullable = false)
    public String licenseId;

    @Column(nullable = false)
    public String licensee;

    @Column(nullable = false)
    public String plan;

    /** JSON object: limit name → non-negative integer. */
    @Column(nullable = false)
    public String limits;

    @Column(name = "issued_at", nullable = false)
    public Instant issuedAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Column(name = "installed_by")
    public UUID installedBy;

    @Column(name = "installed_at", nullable = false)
    public Instant installedAt;

    /** {@link #limits} as a map. */
    public Map<String, Long> limitMap() {
        try {
            return JSON.readValue(limits, new TypeReference<Map<String, Long>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored license limits are not JSON");
        }
    }

    /** The license in force: the most recently installed one, or null. */
    public static Uni<License> current() {
        return License.<License>find("order by installedAt desc, id desc").firstResult();
    }
}
