package io.medhook.audit.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

/**
 * Offline check of an NDJSON export, for auditors (README, "Verifying an export offline"): recomputes every event's
 * hash, re-links consecutive events of a whole-chain export, compares the trailing manifest with what was read, and
 * checks the manifest's checkpoint signature against a public key the auditor obtained separately.
 *
 * <pre>java -cp 'quarkus-app/app/*:quarkus-app/lib/main/*' io.medhook.audit.event.VerifyExport export.ndjson key.txt</pre>
 *
 * Exit status 0 when everything holds, 1 with the first failure otherwise, 2 on bad arguments.
 */
public final class VerifyExport {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome: {@code ok}, and a one-line description (the first failure when not ok). */
    public record Result(boolean ok, long events, String message) {
    }

    private VerifyExport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: VerifyExport <export.ndjson> <public-key file: base64 X.509 Ed25519 key>");
            System.exit(2);
        }
        String key = Files.readString(Path.of(args[1])).strip();
        Result r;
        try (BufferedReader in = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
            r = verify(in, key);
        }
        System.out.println((r.ok() ? "OK: " : "FAILED: ") + r.message());
        System.exit(r.ok() ? 0 : 1);
    }

    /** Verifies an export read line by line (never held whole in memory). */
    public static Result verify(BufferedReader in, String publicKeyBase64) throws IOException {
        long count = 0;
        Long firstSeq = null;
        String firstPrev = null;
        long lastSeq = 0;
        String lastHash = null;
        Long brokenLink = null;
        JsonNode manifest = null;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            if (manifest != null) {
                return new Result(false, count, "content after the manifest");
            }
            JsonNode n = JSON.readTree(line);
            if (n.has("manifest")) {
                manifest = n.get("manifest");
                continue;
            }
            StoredEvent e = event(n);
            if (!ChainHash.hash(e.prevHash(), ChainHash.canonical(e)).equals(e.hash())) {
                return new Result(false, count, "event seq " + e.seq() + " does not match its hash (altered)");
            }
            if (firstSeq == null) {
                firstSeq = e.seq();
                firstPrev = e.prevHash();
            } else {
                if (e.seq() <= lastSeq) {
                    return new Result(false, count, "event seq " + e.seq() + " is out of order");
                }
                // in a whole-chain export every event follows the previous one (checked against the manifest below)
                if (brokenLink == null && (e.seq() != lastSeq + 1 || !e.prevHash().equals(lastHash))) {
                    brokenLink = e.seq();
                }
            }
            lastSeq = e.seq();
            lastHash = e.hash();
            count++;
        }
        if (manifest == null) {
            return new Result(false, count, "no manifest line: the export is incomplete");
        }
        boolean chain = "chain".equals(manifest.path("scope").asText());
        if (chain && brokenLink != null) {
            return new Result(false, count, "the chain is broken at seq " + brokenLink + " (missing or reordered events)");
        }
        if (manifest.path("count").asLong(-1) != count) {
            return new Result(false, count, "the manifest announces " + manifest.path("count").asText()
                    + " events, the export holds " + count);
        }
        if (count > 0 && (manifest.path("firstSeq").asLong() != firstSeq || manifest.path("lastSeq").asLong() != lastSeq
                || !manifest.path("firstPrevHash").asText().equals(firstPrev)
                || !manifest.path("lastHash").asText().equals(lastHash))) {
            return new Result(false, count, "the manifest's first/last seq or end hashes do not match the events");
        }
        JsonNode cp = manifest.get("checkpoint");
        if (cp == null || cp.isNull()) {
            return count == 0 ? new Result(true, 0, "empty export")
                    : new Result(false, count, "the manifest carries no checkpoint");
        }
        Checkpoint c = new Checkpoint(cp.path("seq").asLong(), cp.path("hash").asText(), cp.path("createdAt").asText(),
                cp.path("keyId").asText(), cp.path("signature").asText());
        if (!CheckpointSigner.valid(c, publicKeyBase64)) {
            return new Result(false, count, "the checkpoint's signature does not verify with the given public key");
        }
        if (chain && count > 0 && c.seq() == lastSeq && !c.hash().equals(lastHash)) {
            return new Result(false, count, "the signed checkpoint does not match the last event's hash");
        }
        return new Result(true, count, count + " events" + (count > 0 ? ", seq " + firstSeq + ".." + lastSeq : "")
                + (chain ? ", chain intact" : ", each event intact (workspace export: links skip other workspaces)")
                + ", checkpoint at seq " + c.seq() + " signed by key " + c.keyId());
    }

    static StoredEvent event(JsonNode n) {
        return new StoredEvent(n.get("seq").asLong(), UUID.fromString(n.get("id").asText()),
                Instant.from(ChainHash.OCCURRED_AT.parse(n.get("occurredAt").asText())), text(n, "actorType"),
                text(n, "actorId"), text(n, "actorName"), text(n, "action"), text(n, "resourceType"),
                text(n, "resourceId"), text(n, "workspaceId"), text(n, "outcome"), text(n, "requestId"),
                text(n, "sourceAddress"), text(n, "userAgent"), text(n, "change"), text(n, "prevHash"),
                text(n, "hash"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
