package io.medhook.auth.license;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medhook.auth.access.Access;
import io.medhook.auth.apikey.ApiKeyTokens;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.medhook.common.problem.MedhookException;
import io.medhook.common.security.MedhookPrincipal;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Installing and reading the instance's license (instance owners, confirmed in the database). Installing verifies the
 * key ({@link LicenseVerifier}), stores its SHA-256 and claims, and writes a {@code license.install} audit event with
 * the claims before and after (never the key). Installing the license already in force changes nothing.
 */
@ApplicationScoped
public class LicenseService {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LicenseVerifier verifier;
    private final Access access;

    public LicenseService(LicenseVerifier verifier, Access access) {
        this.verifier = verifier;
        this.access = access;
    }

    public Uni<LicenseView> install(MedhookPrincipal caller, InstallLicenseRequest req, AuditContext audit) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        // a refused key is answered after the transaction commits, so its failure event is kept
        return Panache.withTransaction(() -> access.requireOwner(caller).chain(owner -> {
            LicenseClaims claims;
            try {
                claims = verifier.verify(req.key(), now);
            } catch (MedhookException refused) {
                Map<String, Object> change = Map.of("reason", String.valueOf(refused.extensions().get("reason")));
                return Panache.getSession().chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit,
                        "license.install", "license", null, null, AuditEvent.Outcome.failure, change)))
                        .map(x -> new Installed(null, refused));
            }
            byte[] hash = ApiKeyTokens.sha256(req.key().strip());
            return License.current().chain(previous -> {
                if (previous != null && MessageDigest.isEqual(previous.keyHash, hash)) {
                    return Uni.createFrom().item(new Installed(LicenseView.of(previous, now), null));
                }
                License l = new License();
                l.id = Ids.uuidV7();
                l.keyHash = hash;
                l.licenseId = claims.licenseId();
                l.licensee = claims.licensee();
                l.plan = claims.plan();
                l.limits = json(claims.limits());
                l.issuedAt = claims.issuedAt();
                l.expiresAt = claims.expiresAt();
                l.installedBy = owner.id;
                l.installedAt = now;
                Map<String, Object> change = previous == null ? AuditChange.created(LicenseAudit.of(l))
                        : AuditChange.updated(LicenseAudit.of(previous), LicenseAudit.of(l));
                return l.persist()
                        .chain(() -> Panache.getSession())
                        .chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(audit, "license.install", "license",
                                l.id.toString(), null, AuditEvent.Outcome.success, change)))
                        .map(x -> new Installed(LicenseView.of(l, now), null));
            });
        })).map(r -> {
            if (r.refused() != null) {
                throw r.refused();
            }
            return r.view();
        });
    }

    private record Installed(LicenseView view, MedhookException refused) {
    }

    /** The license in force, or 404 when none was installed. */
    public Uni<LicenseView> current(MedhookPrincipal caller) {
        Instant now = Instant.now();
        return Panache.withSession(() -> access.requireOwner(caller).chain(o -> License.current()).map(l -> {
            if (l == null) {
                throw MedhookException.notFound("License");
            }
            return LicenseView.of(l, now);
        }));
    }

    private static String json(Map<String, Long> limits) {
        try {
            return JSON.writeValueAsString(limits);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
