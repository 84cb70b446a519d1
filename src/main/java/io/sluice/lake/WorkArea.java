package io.sluice.lake;

import io.sluice.storage.Storage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Rows a step reads several times (counts, then stage, quarantine, trusted writes), written once as Parquet to a
 * folder of their own and read back from it, so the landing files are parsed once and memory does not grow with the
 * input: a Spark cache holds whole partitions, and the cache of one 5 GB file exhausted a 2 GB heap. Closing deletes
 * the folder; a rerun starts from an empty one.
 */
public final class WorkArea implements AutoCloseable {
    private final Storage storage;
    private final String path;
    private final Dataset<Row> rows;

    private WorkArea(Storage storage, String path, Dataset<Row> rows) {
        this.storage = storage;
        this.path = path;
        this.rows = rows;
    }

    /** Writes {@code rows} to {@code path}, replacing what an earlier, dead attempt left there. */
    public static WorkArea write(SparkSession spark, Storage storage, String path, Dataset<Row> rows) {
        storage.delete(path);
        try {
            rows.write().parquet(path);
        } catch (RuntimeException e) {
            storage.delete(path);
            throw e;
        }
        return new WorkArea(storage, path, spark.read().schema(rows.schema()).parquet(path));
    }

    /** The stored rows; valid until {@link #close}. */
    public Dataset<Row> rows() {
        return rows;
    }

    @Override
    public void close() {
        storage.delete(path);
    }
}
