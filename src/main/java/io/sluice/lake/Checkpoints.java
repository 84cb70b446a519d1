package io.sluice.lake;

/**
 * Named points of a step where a crash matters to exactly-once. A run passes {@link #NONE}; tests and
 * the {@code SLUICE_FAIL_AT} environment variable use them to kill a run at a precise point.
 */
@FunctionalInterface
public interface Checkpoints {
    /** Does nothing. */
    Checkpoints NONE = name -> { };

    /** Called when a step reaches the point {@code name}. */
    void reached(String name);

    /** Halts the JVM, as a kill would, at the point named by {@code SLUICE_FAIL_AT}; else {@link #NONE}. */
    static Checkpoints fromEnvironment() {
        String failAt = System.getenv("SLUICE_FAIL_AT");
        if (failAt == null || failAt.isBlank()) {
            return NONE;
        }
        return name -> {
            if (name.equals(failAt)) {
                System.err.println("SLUICE_FAIL_AT: halting at " + name);
                Runtime.getRuntime().halt(137);
            }
        };
    }
}
