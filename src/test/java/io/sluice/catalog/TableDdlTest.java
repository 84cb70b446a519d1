package io.sluice.catalog;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Athena DDL of Parquet tables whose names and partition values are not plain words. */
class TableDdlTest {
    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.StringType)
            .add("odd`name", DataTypes.StringType)
            .add("year", DataTypes.IntegerType)
            .add("region", DataTypes.StringType);

    private static String athena(String... regions) {
        return athena(SCHEMA, List.of("year", "region"), regions);
    }

    private static String athena(StructType schema, List<String> partitions, String... regions) {
        TableDescription table = new TableDescription(TableName.parse("sales.tickets", "test"), "s3a://lake/it's/tickets",
                false, Optional.of(schema), partitions, Map.of("year", new TreeSet<>(List.of("2023", "2024")),
                "region", new TreeSet<>(List.of(regions))));
        return TableDdl.render(Engine.ATHENA, table);
    }

    @Test
    void plainValuesAreProjectedAndEveryNameAndLiteralIsQuoted() {
        String ddl = athena("eu", "us west", "ünï");
        assertTrue(ddl.contains("  `id` string,\n  `odd``name` string\n)"), ddl);
        assertTrue(ddl.contains("LOCATION 's3://lake/it\\'s/tickets'\n"), ddl);
        assertTrue(ddl.contains("'projection.region.values'='eu,us west,ünï'"), ddl);
        assertTrue(ddl.contains("'projection.year.range'='2023,2024'"), ddl);
        assertTrue(ddl.contains("'storage.location.template'='s3://lake/it\\'s/tickets/year=${year}/region=${region}/'"),
                ddl);
        assertFalse(ddl.contains("MSCK"), ddl);
    }

    @Test
    void valuesProjectionCannotNameAreRegisteredFromTheirFolders() {
        assertEquals("""
                        LOCATION 's3://lake/it\\'s/tickets';
                        -- no partition projection: column region has the value 'a,b', and an enum projection's values \
                        are one comma-separated list; the partitions are registered from their folders instead
                        MSCK REPAIR TABLE `sales`.`tickets`;
                        """,
                tail(athena("a,b", "eu")));
        assertEquals("""
                        LOCATION 's3://lake/it\\'s/tickets';
                        -- no partition projection: column region has the value 'x=y/z\\\\', stored in the folder \
                        region=x%3Dy%2Fz%5C; the partitions are registered from their folders instead
                        MSCK REPAIR TABLE `sales`.`tickets`;
                        """,
                tail(athena("eu", "x=y/z\\")));
        assertTrue(athena("__HIVE_DEFAULT_PARTITION__", "eu").contains("-- no partition projection: column region has"
                + " null values (folder __HIVE_DEFAULT_PARTITION__)"));
        // A line break in a value stays inside the comment: nothing of a value becomes a statement.
        String broken = athena("a\nDROP TABLE x;");
        assertTrue(broken.contains("column region has the value 'a\\u000aDROP TABLE x;', stored in the folder"
                + " region=a%0ADROP TABLE x;"), broken);
        assertFalse(broken.contains("\nDROP"), broken);
    }

    @Test
    void aPartitionColumnNameTheTemplateCannotHoldIsNotProjected() {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("re gion", DataTypes.StringType);
        String ddl = athena(schema, List.of("re gion"), "eu");
        assertTrue(ddl.contains("  `re gion` string\n"), ddl);
        assertTrue(ddl.contains("-- no partition projection: column re gion is not a plain name for a location template"
                + " (letters, digits, underscores)"), ddl);
        assertTrue(ddl.endsWith("MSCK REPAIR TABLE `sales`.`tickets`;\n"), ddl);
    }

    private static String tail(String ddl) {
        return ddl.substring(ddl.indexOf("LOCATION"));
    }
}
