package io.sluice.catalog;

/** A query engine whose DDL {@code sluice ddl} prints. */
public enum Engine {
    /** Amazon Athena (Glue Data Catalog): Delta tables by location, Parquet tables with partition projection. */
    ATHENA,
    /** Spark on a Hive metastore (EMR, self-managed): Delta by location, Parquet as a Hive table repaired by MSCK. */
    HIVE,
    /** Spark SQL's own syntax (Databricks, any Spark catalog). */
    SPARK
}
