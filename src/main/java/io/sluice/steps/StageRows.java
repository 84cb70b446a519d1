package io.sluice.steps;

import io.sluice.ingest.RecordTyper;
import io.sluice.lake.BatchManifest;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;

/**
 * Shapes usable records into stage rows: the profile's typed columns, and for structured profiles every
 * other key of the structured document as a nested column, all scalars as strings so no type flips
 * between documents; then lineage.
 */
final class StageRows {
    private final SparkSession spark;
    private final RecordTyper typer;

    StageRows(SparkSession spark, RecordTyper typer) {
        this.spark = spark;
        this.typer = typer;
    }

    /**
     * The lineage columns of a batch's stage rows: source and position, batch, ingestion time, the source's own
     * {@code passThrough} columns as they are, and the stage partitions (UTC ingestion date and hour).
     */
    static Map<String, Column> lineage(BatchManifest manifest, Instant ingestedAt, List<String> passThrough) {
        Map<String, Column> lineage = new LinkedHashMap<>();
        lineage.put("_source_file", col("_source_file"));
        lineage.put("_record_index", col("_record_index"));
        lineage.put("_batch_id", lit(manifest.batchId()));
        lineage.put("_batch_seq", lit(manifest.seq()));
        lineage.put("_ingested_at", lit(Timestamp.from(ingestedAt)));
        passThrough.forEach(name -> lineage.put(name, col(name)));
        lineage.put("ingest_date", lit(manifest.date()));
        lineage.put("ingest_hour", lit(manifest.hour()));
        return lineage;
    }

    Dataset<Row> toStage(Dataset<Row> usable, Map<String, Column> lineage) {
        List<Column> columns = new ArrayList<>();
        List<String> names = typer.columnNames();
        Set<String> declared = new HashSet<>();
        for (String name : names) {
            if (!name.equals("_document")) {
                columns.add(col(name));
                declared.add(name.toLowerCase(Locale.ROOT));
            }
        }
        if (typer.structures()) {
            // All-null fields and empty arrays are left out: typed as strings here, they would clash with the
            // struct or array a later batch brings for the same field.
            StructType inferred = spark.read()
                    .option("primitivesAsString", "true")
                    .option("dropFieldIfAllNull", "true")
                    .json(usable.select("_document").as(Encoders.STRING())).schema();
            Column document = from_json(col("_document"), inferred);
            for (StructField field : inferred.fields()) {
                if (!declared.contains(field.name().toLowerCase(Locale.ROOT))) {
                    columns.add(document.getField(field.name()).as(field.name()));
                }
            }
        }
        lineage.forEach((name, value) -> columns.add(value.as(name)));
        return usable.select(columns.toArray(Column[]::new));
    }
}
