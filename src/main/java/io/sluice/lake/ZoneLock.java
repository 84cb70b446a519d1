package io.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.storage.Storage;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A lock file that keeps two runs of one step off the same zone and dataset: created only if absent
 * (atomic on HDFS, local disks and DBFS; on S3 a conditional put, see the README), released on close, and
 * taken over, by one contender only, when older than its timeout or when its owner died on this host.
 */
public final class ZoneLock implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Storage storage;
    private final String path;
    private final String token;
    /** The claim file of a takeover, removed with the lock. */
    private final Optional<String> claim;

    private ZoneLock(Storage storage, String path, String token, Optional<String> claim) {
        this.storage = storage;
        this.path = path;
        this.token = token;
        this.claim = claim;
    }

    /**
     * Takes the lock at {@code path} or fails with a message saying who holds it and what to do. A lock whose
     * holder died (older than {@code timeout}, or its process gone on this host) is taken over atomically: the
     * contenders race to create a claim file named after the dead holder's token, which only one can create,
     * and only that one replaces the lock.
     */
    public static ZoneLock acquire(Storage storage, String path, String step, Duration timeout, Clock clock) {
        String token = UUID.randomUUID().toString();
        String content = describe(step, token, clock.instant());
        if (storage.createExclusive(path, content)) {
            return new ZoneLock(storage, path, token, Optional.empty());
        }
        Optional<String> holder = storage.read(path);
        if (holder.isEmpty() && storage.createExclusive(path, content)) {
            // Released between our two looks.
            return new ZoneLock(storage, path, token, Optional.empty());
        }
        Optional<Instant> acquired = holder.flatMap(ZoneLock::acquiredAt);
        Instant since = acquired.orElse(Instant.EPOCH);
        // A lock whose content cannot be read is never taken over: its age is unknown.
        if (acquired.isPresent()
                && (since.plus(timeout).isBefore(clock.instant()) || ownerIsDeadHere(holder.get()))) {
            String claim = path + ".takeover-" + tokenOf(holder.get());
            if (storage.createExclusive(claim, content)) {
                if (storage.read(path).equals(holder)) {
                    storage.write(path, content);
                    return new ZoneLock(storage, path, token, Optional.of(claim));
                }
                storage.delete(claim);
            }
        }
        if (acquired.isEmpty()) {
            throw new ConcurrentRunException("another " + step + " run holds the lock " + path + " ("
                    + holder.map(ZoneLock::owner).orElse("unknown owner") + "), whose content cannot be read; if no"
                    + " " + step + " run is active, delete that file");
        }
        throw new ConcurrentRunException("another " + step + " run holds the lock " + path + " since " + since
                + " (" + holder.map(ZoneLock::owner).orElse("unknown owner") + "); wait for it to finish. If it"
                + " died, delete that file, or it expires at " + since.plus(timeout));
    }

    @Override
    public void close() {
        Optional<String> current = storage.read(path);
        if (current.isPresent() && current.get().contains(token)) {
            storage.delete(path);
        }
        claim.ifPresent(storage::delete);
    }

    /** The holder's token; for a lock file of another shape, a digest of its content. */
    private static String tokenOf(String content) {
        try {
            String token = JSON.readTree(content).path("token").asText("");
            if (token.matches("[0-9a-f-]{36}")) {
                return token;
            }
        } catch (JsonProcessingException e) {
            // Not ours: named by its content below.
        }
        return UUID.nameUUIDFromBytes(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    private static String describe(String step, String token, Instant now) {
        try {
            return JSON.writeValueAsString(Map.of("step", step, "token", token, "acquiredAt", now.toString(),
                    "owner", ManagementFactory.getRuntimeMXBean().getName()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot describe a lock", e);
        }
    }

    private static Optional<Instant> acquiredAt(String content) {
        try {
            JsonNode node = JSON.readTree(content);
            return Optional.of(Instant.parse(node.path("acquiredAt").asText()));
        } catch (JsonProcessingException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** True when the holder ran on this host and its process is gone: a killed run, not a running one. */
    private static boolean ownerIsDeadHere(String content) {
        try {
            String owner = JSON.readTree(content).path("owner").asText("");
            String self = ManagementFactory.getRuntimeMXBean().getName();
            int at = owner.indexOf('@');
            if (at < 1 || !owner.substring(at).equals(self.substring(self.indexOf('@')))) {
                return false;
            }
            long pid = Long.parseLong(owner.substring(0, at));
            return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (JsonProcessingException | NumberFormatException e) {
            return false;
        }
    }

    private static String owner(String content) {
        try {
            return "owner " + JSON.readTree(content).path("owner").asText("unknown");
        } catch (JsonProcessingException e) {
            return "unreadable lock file";
        }
    }
}
