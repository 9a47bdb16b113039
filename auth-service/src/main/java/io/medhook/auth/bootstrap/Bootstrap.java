package io.medhook.auth.bootstrap;

import io.medhook.auth.AuthConfig;
import io.medhook.auth.token.SigningKeys;
import io.medhook.auth.user.PasswordHasher;
import io.medhook.auth.user.User;
import io.medhook.auth.user.UserAudit;
import io.medhook.auth.user.UserRepository;
import io.medhook.auth.workspace.Workspace;
import io.medhook.auth.workspace.WorkspaceService;
import io.medhook.common.Ids;
import io.medhook.common.audit.AuditChange;
import io.medhook.common.audit.AuditContext;
import io.medhook.common.audit.AuditEvent;
import io.medhook.common.audit.HibernateAuditOutbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * First-start set-up, idempotent on every start: signing key, the bootstrap admin ({@code admin}), and one sandbox and
 * one production workspace. Replicas starting together serialise on a PostgreSQL advisory lock.
 */
@ApplicationScoped
public class Bootstrap {

    private static final Logger LOG = Logger.getLogger(Bootstrap.class);
    private static final long LOCK = 0x6d68626f6f74L;
    public static final String ADMIN = "admin";
    static final int MIN_PASSWORD_LENGTH = 12;

    private final AuthConfig config;
    private final SigningKeys keys;
    private final UserRepository users;
    private final WorkspaceService workspaces;

    public Bootstrap(AuthConfig config, SigningKeys keys, UserRepository users, WorkspaceService workspaces) {
        this.config = config;
        this.keys = keys;
        this.users = users;
        this.workspaces = workspaces;
    }

    void onStart(@Observes StartupEvent ev) throws Throwable {
        AuditContext system = AuditContext.system("auth-service");
        VertxContextSupport.subscribeAndAwait(() -> keys.loadOrCreate(system).chain(() -> adminAndWorkspaces(system)));
    }

    private Uni<Void> adminAndWorkspaces(AuditContext system) {
        var configured = config.bootstrap().adminPassword().filter(p -> !p.isBlank());
        configured.ifPresent(p -> {
            if (p.length() < MIN_PASSWORD_LENGTH) {
                throw new IllegalStateException("MEDHOOK_ADMIN_PASSWORD must have at least " + MIN_PASSWORD_LENGTH
                        + " characters");
            }
        });
        return Panache.withTransaction(() -> Panache.getSession()
                .chain(s -> s.createNativeQuery("select pg_advisory_xact_lock(" + LOCK + ")").getSingleResult())
                .chain(x -> users.findBootstrapAdmin())
                .chain(admin -> {
                    if (admin == null) {
                        String password = configured.orElseGet(this::generateAndWritePassword);
                        return createAdmin(password, system);
                    }
                    if (configured.isPresent() && !PasswordHasher.verify(configured.get(), admin.passwordHash)) {
                        UserAudit before = UserAudit.of(admin);
                        admin.passwordHash = PasswordHasher.hash(configured.get());
                        admin.updatedAt = Instant.now();
                        LOG.info("bootstrap admin password set from MEDHOOK_ADMIN_PASSWORD");
                        return Panache.getSession().chain(s -> HibernateAuditOutbox.append(s, AuditEvent.of(system,
                                "user.password.reset", "user", admin.id.toString(), null, AuditEvent.Outcome.success,
                                AuditChange.updated(before, UserAudit.of(admin))))).replaceWith(admin);
                    }
                    return Uni.createFrom().item(admin);
                })
                .chain(admin -> Workspace.count().chain(n -> n > 0 ? Uni.createFrom().voidItem()
                        : workspaces.create(admin.id, "Sandbox", Workspace.SANDBOX, system)
                                .chain(() -> workspaces.create(admin.id, "Production", Workspace.PRODUCTION, system))
                                .replaceWithVoid())));
    }

    private Uni<User> createAdmin(String password, AuditContext system) {
        User u = new User();
        u.id = Ids.uuidV7();
        u.username = ADMIN;
        u.displayName = "Bootstrap admin";
        u.passwordHash = PasswordHasher.hash(password);
        u.owner = true;
        u.bootstrap = true;
        u.createdAt = Instant.now();
        u.updatedAt = u.createdAt;
        LOG.info("created the bootstrap admin 'admin'");
        return u.<User>persist().call(() -> Panache.getSession().chain(s -> HibernateAuditOutbox.append(s,
                AuditEvent.of(system, "user.create", "user", u.id.toString(), null, AuditEvent.Outcome.success,
                        AuditChange.created(UserAudit.of(u))))));
    }

    /** Generates the admin password and writes it once (0600) to the state file the README names. */
    private String generateAndWritePassword() {
        String password = Ids.randomToken(18);
        Path file = Path.of(config.bootstrap().passwordFile());
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, password + System.lineSeparator(), StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the admin password file " + file, e);
        }
        LOG.infof("generated the bootstrap admin password; it is in %s", file.toAbsolutePath());
        return password;
    }
}
