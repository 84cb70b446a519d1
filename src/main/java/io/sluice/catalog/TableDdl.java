package io.sluice.catalog;

import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The DDL that registers a trusted table in an engine's catalog, for teams that manage their catalog themselves. Plain
 * text from a {@link TableDescription}: no Spark session, no catalog calls.
 */
public final class TableDdl {
    /** The folder name Spark and Hive give a null partition value. */
    private static final String HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_]+");

    private TableDdl() {
    }

    /** The statements for {@code engine}, each ending with {@code ;}, preceded by comments saying what they rest on. */
    public static String render(Engine engine, TableDescription table) {
        StringBuilder ddl = new StringBuilder();
        ddl.append("-- ").append(table.name()).append(": ").append(table.delta() ? "delta" : "parquet").append(" table at ")
                .append(commented(table.location())).append('\n');
        table.schema().ifPresentOrElse(schema -> comment(ddl, schema, table.partitions()),
                () -> ddl.append("-- the table does not exist yet; its schema will come from the first distribute\n"));
        if (engine != Engine.ATHENA) {
            table.name().database().ifPresent(db -> ddl.append("CREATE DATABASE IF NOT EXISTS `").append(db).append("`;\n"));
        }
        if (table.delta()) {
            delta(ddl, engine, table);
        } else if (table.schema().isEmpty()) {
            ddl.append("-- a Parquet table needs its columns: run distribute first, then ddl again\n");
        } else if (engine == Engine.SPARK) {
            sparkParquet(ddl, table);
        } else {
            hiveParquet(ddl, engine, table);
        }
        return ddl.toString();
    }

    private static void comment(StringBuilder ddl, StructType schema, List<String> partitions) {
        ddl.append("-- columns (from the table itself):\n");
        for (StructField field : schema.fields()) {
            ddl.append("--   ").append(commented(field.name())).append(' ').append(hiveType(field.dataType()))
                    .append(partitions.contains(field.name()) ? "  (partition)" : "").append('\n');
        }
    }

    private static void delta(StringBuilder ddl, Engine engine, TableDescription table) {
        if (engine == Engine.ATHENA) {
            // Athena takes nothing but LOCATION and table_type for Delta: the columns come from the Delta log.
            ddl.append("CREATE EXTERNAL TABLE ").append(table.name().quoted()).append('\n')
                    .append("LOCATION ").append(literal(athenaLocation(table.location()))).append('\n')
                    .append("TBLPROPERTIES ('table_type'='DELTA');\n");
        } else {
            ddl.append("CREATE TABLE IF NOT EXISTS ").append(table.name().quoted()).append('\n')
                    .append("USING DELTA\n")
                    .append("LOCATION ").append(literal(table.location())).append(";\n");
        }
    }

    private static void sparkParquet(StringBuilder ddl, TableDescription table) {
        StructType schema = table.schema().orElseThrow();
        ddl.append("CREATE TABLE IF NOT EXISTS ").append(table.name().quoted()).append(" (\n")
                .append(columns(List.of(schema.fields()), true)).append(")\n")
                .append("USING PARQUET\n");
        if (!table.partitions().isEmpty()) {
            ddl.append("PARTITIONED BY (").append(table.partitions().stream().map(RegisterTable::identifier)
                    .collect(Collectors.joining(", "))).append(")\n");
        }
        ddl.append("LOCATION ").append(literal(table.location())).append(";\n");
        if (!table.partitions().isEmpty()) {
            ddl.append("MSCK REPAIR TABLE ").append(table.name().quoted()).append(";\n");
        }
    }

    private static void hiveParquet(StringBuilder ddl, Engine engine, TableDescription table) {
        StructType schema = table.schema().orElseThrow();
        List<StructField> data = new ArrayList<>();
        List<StructField> partitionFields = new ArrayList<>();
        for (String partition : table.partitions()) {
            partitionFields.add(schema.apply(partition));
        }
        for (StructField field : schema.fields()) {
            if (!table.partitions().contains(field.name())) {
                data.add(field);
            }
        }
        String location = engine == Engine.ATHENA ? athenaLocation(table.location()) : table.location();
        ddl.append("CREATE EXTERNAL TABLE IF NOT EXISTS ").append(table.name().quoted()).append(" (\n")
                .append(columns(data, false)).append(")\n");
        if (!partitionFields.isEmpty()) {
            ddl.append("PARTITIONED BY (\n").append(columns(partitionFields, false)).append(")\n");
        }
        ddl.append("STORED AS PARQUET\n").append("LOCATION ").append(literal(location));
        Optional<String> unprojectable = engine == Engine.ATHENA ? unprojectable(table, partitionFields)
                : Optional.empty();
        if (engine == Engine.ATHENA && !partitionFields.isEmpty() && unprojectable.isEmpty()) {
            projection(ddl, table, partitionFields, location);
            ddl.append(";\n");
        } else {
            ddl.append(";\n");
            unprojectable.ifPresent(why -> ddl.append("-- no partition projection: ").append(why)
                    .append("; the partitions are registered from their folders instead\n"));
            if (!partitionFields.isEmpty()) {
                ddl.append("MSCK REPAIR TABLE ").append(table.name().quoted()).append(";\n");
            }
        }
    }

    /**
     * Why Athena's partition projection cannot name every partition present, if it cannot: a partition column whose
     * name is more than letters, digits and underscores (it goes into the location template), a null partition (Spark's
     * {@value #HIVE_DEFAULT_PARTITION} folder), an enum value with a comma (the values are one comma-separated list,
     * with no escape), or a value Spark stores escaped in its folder name ({@code a=b} in {@code a%3Db}), which
     * projection, putting the value itself into the location template, would not find.
     */
    private static Optional<String> unprojectable(TableDescription table, List<StructField> partitions) {
        for (StructField field : partitions) {
            String column = "column " + commented(field.name());
            if (!PLAIN_NAME.matcher(field.name()).matches()) {
                return Optional.of(column + " is not a plain name for a location template (letters, digits,"
                        + " underscores)");
            }
            for (String value : table.partitionValues().getOrDefault(field.name(), new TreeSet<>())) {
                if (value.equals(HIVE_DEFAULT_PARTITION)) {
                    return Optional.of(column + " has null values (folder " + HIVE_DEFAULT_PARTITION + ")");
                }
                if (isInteger(field.dataType())) {
                    continue;
                }
                if (value.contains(",")) {
                    return Optional.of(column + " has the value " + commented(literal(value))
                            + ", and an enum projection's values are one comma-separated list");
                }
                String folder = ExternalCatalogUtils.escapePathName(value);
                if (!folder.equals(value)) {
                    return Optional.of(column + " has the value " + commented(literal(value)) + ", stored in the folder "
                            + commented(field.name() + "=" + folder));
                }
            }
        }
        return Optional.empty();
    }

    /** Text safe inside a {@code --} comment line: control characters (a line break above all) as {@code \\uXXXX}. */
    private static String commented(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.chars().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                out.append((char) c);
            }
        });
        return out.toString();
    }

    /** Athena partition projection: no partition to register, ranges and values from the partitions present today. */
    private static void projection(StringBuilder ddl, TableDescription table, List<StructField> partitions,
                                   String location) {
        List<String> properties = new ArrayList<>();
        properties.add("'projection.enabled'='true'");
        StringBuilder template = new StringBuilder(location.endsWith("/") ? location : location + "/");
        for (StructField field : partitions) {
            String name = field.name();
            SortedSet<String> values = table.partitionValues().getOrDefault(name, new TreeSet<>());
            if (isInteger(field.dataType()) && !values.isEmpty()) {
                List<Long> numbers = values.stream().map(Long::parseLong).sorted().toList();
                properties.add("'projection." + name + ".type'='integer'");
                properties.add("'projection." + name + ".range'='" + numbers.get(0) + "," + numbers.get(numbers.size() - 1) + "'");
            } else {
                properties.add("'projection." + name + ".type'='enum'");
                properties.add("'projection." + name + ".values'=" + literal(String.join(",", values)));
            }
            template.append(name).append("=${").append(name).append("}/");
        }
        properties.add("'storage.location.template'=" + literal(template.toString()));
        ddl.append("\n-- ranges and values are the partitions present now: widen them as new ones arrive\n")
                .append("TBLPROPERTIES (\n  ").append(String.join(",\n  ", properties)).append(")");
    }

    private static String columns(List<StructField> fields, boolean sparkTypes) {
        return fields.stream().map(f -> "  " + RegisterTable.identifier(f.name()) + " "
                        + (sparkTypes ? f.dataType().sql() : hiveType(f.dataType())))
                .collect(Collectors.joining(",\n")) + "\n";
    }

    private static boolean isInteger(DataType type) {
        return type instanceof IntegerType || type instanceof LongType || type instanceof ShortType;
    }

    /** The Hive (and Athena DDL) spelling of a Spark type. */
    static String hiveType(DataType type) {
        return type.catalogString().replace("timestamp_ntz", "timestamp");
    }

    /** Athena reads {@code s3://} locations only; s3a and s3n name the same objects. */
    static String athenaLocation(String location) {
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.startsWith("s3a://") || lower.startsWith("s3n://")) {
            return "s3://" + location.substring(6);
        }
        return location;
    }

    private static String literal(String text) {
        return RegisterTable.literal(text);
    }
}
