package io.sluice.catalog;

import io.delta.tables.DeltaTable;
import io.sluice.report.StepResult;
import io.sluice.report.StepResult.FileCounts;
import io.sluice.report.StepResult.RecordCounts;
import io.sluice.storage.HadoopStorage;
import io.sluice.storage.StorageException;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Makes a trusted table queryable by name in the session's catalog (a Hive metastore, the Glue Data Catalog on EMR,
 * Databricks' catalog), with no crawler: a Delta table is registered once by location and its schema always comes
 * from its log; a Parquet table gets the columns its files gained and its new partitions ({@code MSCK REPAIR TABLE}).
 * A name already registered at another location is an error, never silently repointed.
 */
public final class RegisterTable {
    /** Name of this step in reports. */
    public static final String STEP = "register";

    private final SparkSession spark;
    private final TableName table;
    private final String location;
    private final String dataset;
    private final Clock clock;

    public RegisterTable(SparkSession spark, TableName table, String location, String dataset, Clock clock) {
        this.spark = requireNonNull(spark, "spark is null");
        this.table = requireNonNull(table, "table is null");
        this.location = requireNonNull(location, "location is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public StepResult execute() {
        spark.sparkContext().setJobDescription("sluice register " + table);
        try {
            return register();
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    private StepResult register() {
        Instant started = clock.instant();
        boolean delta = DeltaTable.isDeltaTable(spark, location);
        table.database().ifPresent(db -> spark.sql("CREATE DATABASE IF NOT EXISTS `" + db + "`"));
        boolean exists = exists();
        if (exists) {
            requireSameLocation();
        }
        Map<String, Long> details = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        String format = delta ? "DELTA" : "PARQUET";
        if (!exists) {
            spark.sql("CREATE TABLE IF NOT EXISTS " + table.quoted() + " USING " + format + " LOCATION " + literal(location));
            notes.add("registered " + table + " (" + format.toLowerCase(Locale.ROOT) + ") at " + location);
        }
        details.put("created", exists ? 0L : 1L);
        if (!delta) {
            List<String> added = exists ? addNewColumns() : List.of();
            details.put("addedColumns", (long) added.size());
            if (!added.isEmpty()) {
                notes.add(table + ": added columns " + String.join(", ", added));
            }
            if (!partitionColumns().isEmpty()) {
                spark.sql("MSCK REPAIR TABLE " + table.quoted());
            }
        }
        long duration = clock.millis() - started.toEpochMilli();
        return new StepResult(STEP, dataset, started, duration, FileCounts.NONE, RecordCounts.NONE, details, notes);
    }

    private boolean exists() {
        return table.database().map(db -> spark.catalog().tableExists(db, table.name()))
                .orElseGet(() -> spark.catalog().tableExists(table.name()));
    }

    private void requireSameLocation() {
        String registered = describe().getOrDefault("Location", "");
        if (!normalized(registered).equals(normalized(location))) {
            throw new StorageException("table " + table + " is registered at " + registered + ", not at " + location
                    + "; drop it (DROP TABLE " + table + ": it is external, the data stays) or pass another --table");
        }
    }

    /** DESCRIBE TABLE EXTENDED's detail rows, name to value. */
    private Map<String, String> describe() {
        Map<String, String> rows = new LinkedHashMap<>();
        for (Row row : spark.sql("DESCRIBE TABLE EXTENDED " + table.quoted()).collectAsList()) {
            rows.putIfAbsent(row.getString(0), row.isNullAt(1) ? "" : row.getString(1));
        }
        return rows;
    }

    private List<String> partitionColumns() {
        try {
            return spark.catalog().listColumns(table.toString()).collectAsList().stream()
                    .filter(org.apache.spark.sql.catalog.Column::isPartition)
                    .map(org.apache.spark.sql.catalog.Column::name).toList();
        } catch (AnalysisException e) {
            throw new StorageException("cannot read the columns of table " + table + ": " + e.getMessage(), e);
        }
    }

    /** Adds to a Parquet table the columns its files have and the table lacks; returns them. */
    private List<String> addNewColumns() {
        StructType files = spark.read().option("mergeSchema", "true").parquet(location).schema();
        Set<String> known = Arrays.stream(spark.table(table.toString()).schema().fieldNames())
                .map(name -> name.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        List<StructField> missing = new ArrayList<>();
        for (StructField field : files.fields()) {
            if (!known.contains(field.name().toLowerCase(Locale.ROOT))) {
                missing.add(field);
            }
        }
        if (!missing.isEmpty()) {
            spark.sql("ALTER TABLE " + table.quoted() + " ADD COLUMNS (" + missing.stream()
                    .map(f -> identifier(f.name()) + " " + f.dataType().sql()).collect(Collectors.joining(", ")) + ")");
        }
        return missing.stream().map(StructField::name).toList();
    }

    /** A location in one spelling whatever the catalog wrote back: {@code file:/x}, {@code file:///x/}, {@code /x}. */
    private static String normalized(String uri) {
        java.net.URI parsed = HadoopStorage.path(uri).toUri();
        String authority = parsed.getAuthority() == null || parsed.getAuthority().isEmpty() ? ""
                : "//" + parsed.getAuthority();
        String path = parsed.getPath().endsWith("/") ? parsed.getPath().substring(0, parsed.getPath().length() - 1)
                : parsed.getPath();
        return parsed.getScheme() + ":" + authority + path;
    }

    /** A column name quoted for Spark SQL, Hive and Athena DDL: any name, a backtick in it doubled. */
    static String identifier(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    /** {@code text} as a SQL string literal. */
    static String literal(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
