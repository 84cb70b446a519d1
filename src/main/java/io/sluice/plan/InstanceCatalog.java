package io.sluice.plan;

import io.sluice.config.ConfigException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/** The EMR instance types and Databricks node types Sluice can size executors for, by name. */
public final class InstanceCatalog {
    /** Resource holding the standard catalog: {@code name,vcpus,memory_gib,container_memory_mb,source} lines. */
    public static final String RESOURCE = "/io/sluice/plan/instance-types.csv";
    /**
     * Share of a node's memory left to containers for a type the catalog does not know: AWS's YARN defaults
     * give 75% on the small m5, c5 and r5 sizes and more on larger ones, so 75% is the safe side.
     */
    static final double CUSTOM_CONTAINER_SHARE = 0.75;

    private final Map<String, InstanceType> types;

    public InstanceCatalog(Map<String, InstanceType> types) {
        this.types = Map.copyOf(requireNonNull(types, "types is null"));
    }

    /** The catalog shipped in {@link #RESOURCE}. */
    public static InstanceCatalog standard() {
        try (InputStream in = InstanceCatalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    private static InstanceCatalog read(BufferedReader reader) throws IOException {
        Map<String, InstanceType> types = new LinkedHashMap<>();
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split(",");
            if (cells.length != 5) {
                throw new IllegalStateException(RESOURCE + ": expected name,vcpus,memory_gib,container_memory_mb,"
                        + "source, got '" + line + "'");
            }
            InstanceType type = new InstanceType(cells[0].trim(), Integer.parseInt(cells[1].trim()),
                    Double.parseDouble(cells[2].trim()), Integer.parseInt(cells[3].trim()),
                    InstanceType.MemorySource.valueOf(cells[4].trim().toUpperCase(Locale.ROOT).replace('-', '_')));
            types.put(type.name(), type);
        }
        return new InstanceCatalog(types);
    }

    public Optional<InstanceType> find(String name) {
        return Optional.ofNullable(types.get(name));
    }

    /**
     * The type named {@code name}: from {@code --vcpus} and {@code --memory-gib} when both are given, else from
     * the catalog; a {@link ConfigException} naming the missing option when neither has it.
     */
    public InstanceType resolve(String name, OptionalInt vcpus, OptionalDouble memoryGiB) {
        requireNonNull(name, "name is null");
        if (vcpus.isPresent() && memoryGiB.isPresent()) {
            return custom(name, vcpus.getAsInt(), memoryGiB.getAsDouble());
        }
        Optional<InstanceType> known = find(name);
        if (known.isPresent() && vcpus.isEmpty() && memoryGiB.isEmpty()) {
            return known.get();
        }
        String missing = vcpus.isEmpty() && memoryGiB.isEmpty() ? "--vcpus and --memory-gib"
                : vcpus.isEmpty() ? "--vcpus" : "--memory-gib";
        String why = known.isPresent() ? "to override the catalog's " + name + ", give both --vcpus and --memory-gib"
                : "instance type '" + name + "' is not in the catalog";
        throw new ConfigException(why + "; pass " + missing + " with the node's size (for example --vcpus 16"
                + " --memory-gib 64), or use a known type such as m5.2xlarge, c5.4xlarge, r5.4xlarge, i3.xlarge");
    }

    private static InstanceType custom(String name, int vcpus, double memoryGiB) {
        if (vcpus < 1) {
            throw new ConfigException("--vcpus must be at least 1, got " + vcpus);
        }
        if (!(memoryGiB > 0)) {
            throw new ConfigException("--memory-gib must be positive, got " + memoryGiB);
        }
        return new InstanceType(name, vcpus, memoryGiB, (int) Math.floor(memoryGiB * 1024 * CUSTOM_CONTAINER_SHARE));
    }
}
