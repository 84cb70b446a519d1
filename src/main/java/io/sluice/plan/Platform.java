package io.sluice.plan;

/** Where a backfill plan runs. */
public enum Platform {
    /** Amazon EMR on EC2: a cluster definition and one step file per cluster. */
    EMR,
    /** Databricks Jobs API 2.1: one job, one job cluster per cluster. */
    DATABRICKS,
    /** This machine, through {@code submit/local.sh}. */
    LOCAL
}
