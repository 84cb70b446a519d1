package io.sluice.steps;

import io.sluice.config.ConfigException;
import io.sluice.config.DatasetProfile;
import io.sluice.config.FieldType;
import io.sluice.config.Source;
import io.sluice.ingest.RecordTyper;
import io.sluice.lake.BatchManifest;
import io.sluice.lake.Checkpoints;
import io.sluice.lake.DeltaWrites;
import io.sluice.lake.IngestedFiles;
import io.sluice.lake.LakeLayout;
import io.sluice.lake.Quarantine;
import io.sluice.report.StepResult.RecordCounts;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

/**
 * Types the rows of a JDBC batch against the dataset profile and commits them: declared fields cast to their types,
 * undeclared columns kept whole in {@code _extra} or dropped as the profile says, a row missing a required field or
 * its record key (every key column null), or holding a value that does not cast, quarantined with the row as JSON and
 * the reason. Stage, quarantine and the ledger are Delta idempotent appends keyed by the batch's sequence.
 */
public final class JdbcRows {
    private final SparkSession spark;
    private final LakeLayout lake;
    private final String dataset;
    private final DatasetProfile profile;
    private final RecordTyper typer;
    private final Double maxBadRatio;
    private final Checkpoints checkpoints;

    public JdbcRows(SparkSession spark, LakeLayout lake, String dataset, DatasetProfile profile, RecordTyper typer,
                    Double maxBadRatio, Checkpoints checkpoints) {
        this.spark = requireNonNull(spark, "spark is null");
        this.lake = requireNonNull(lake, "lake is null");
        this.dataset = requireNonNull(dataset, "dataset is null");
        this.profile = requireNonNull(profile, "profile is null");
        this.typer = requireNonNull(typer, "typer is null");
        this.maxBadRatio = maxBadRatio;
        this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
        if (typer.structures()) {
            throw new ConfigException("datasets." + dataset + ": structure rules apply to JSON documents; a JDBC"
                    + " source's rows are flat. Remove datasets." + dataset + ".structure");
        }
    }

    /** {@code jdbc:<table>} or {@code jdbc:query}: the source of the stage rows. */
    static String sourceName(Source source) {
        return "jdbc:" + (source.table() != null ? source.table() : "query");
    }

    RecordCounts commit(Dataset<Row> read, BatchManifest manifest, String rangeJson, Consumer<String> progress) {
        Dataset<Row> typed = type(read, sourceName(profile.sourceOrFiles())).persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            Row counts = typed.agg(sum(when(col("_error").isNull(), 1L).otherwise(0L)),
                    sum(when(col("_error").isNotNull(), 1L).otherwise(0L))).first();
            long valid = counts.isNullAt(0) ? 0 : counts.getLong(0);
            long bad = counts.isNullAt(1) ? 0 : counts.getLong(1);
            if (maxBadRatio != null && valid + bad > 0 && (double) bad / (valid + bad) > maxBadRatio) {
                throw new BadInputException(String.format("batch %s: %d of %d rows (%.1f%%) are bad, above"
                                + " --max-bad-ratio %.3f; nothing was committed and the watermark stays where it was",
                        manifest.batchId(), bad, valid + bad, 100.0 * bad / (valid + bad), maxBadRatio));
            }
            Instant ingestedAt = Instant.parse(manifest.startedAt());
            Dataset<Row> stageRows = new StageRows(spark, typer).toStage(typed.filter(col("_error").isNull()),
                    StageRows.lineage(manifest, ingestedAt, List.of()));
            DeltaWrites.appendOnce(stageRows, lake.stageTable(dataset), StageCommit.STAGE_PARTITIONS,
                    LakeLayout.txnAppId(PullJdbc.STEP, dataset), manifest.seq(), rangeJson);
            checkpoints.reached("jdbc.stageCommitted");
            progress.accept("stage: " + valid + " rows committed to " + lake.stageTable(dataset));
            if (bad > 0) {
                Quarantine.append(typed.filter(col("_error").isNotNull()), lake, dataset, PullJdbc.STEP,
                        manifest.seq(), manifest.batchId(), ingestedAt);
                progress.accept("quarantine: " + bad + " rows to " + lake.quarantineTable(dataset));
            }
            checkpoints.reached("jdbc.quarantineCommitted");
            appendLedger(manifest, rangeJson, valid, bad, ingestedAt);
            return new RecordCounts(valid + bad, valid, bad, 0, valid);
        } finally {
            typed.unpersist();
        }
    }

    /** The profile's typed columns, {@code _extra} if kept, then the reader's trailing columns. */
    private Dataset<Row> type(Dataset<Row> read, String sourceName) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (String c : read.columns()) {
            columns.put(c.toLowerCase(Locale.ROOT), c);
        }
        List<Column> out = new ArrayList<>();
        List<Column> reasons = new ArrayList<>();
        List<String> declared = new ArrayList<>();
        Map<String, Column> typedByName = new LinkedHashMap<>();
        for (Map.Entry<String, FieldType> field : profile.fieldTypes().entrySet()) {
            String name = field.getKey();
            String actual = columns.get(name.toLowerCase(Locale.ROOT));
            if (actual == null) {
                throw new ConfigException("datasets." + dataset + ".fields." + name + " is not a column of the JDBC"
                        + " source; its columns are " + List.of(read.columns()) + ". Fix the field's name or the"
                        + " source's table or query");
            }
            declared.add(actual);
            Column raw = col(quoted(actual));
            Column typed = cast(raw, field.getValue());
            out.add(typed.as(name));
            typedByName.put(name, typed);
            if (profile.required().contains(name)) {
                reasons.add(when(raw.isNull(), lit("missing required field '" + name + "'")));
            }
            reasons.add(when(raw.isNotNull().and(typed.isNull()), concat(lit("field '" + name + "' is not a "
                    + field.getValue().name().toLowerCase(Locale.ROOT) + ": "), raw.cast(DataTypes.StringType))));
        }
        List<String> key = profile.recordKey();
        if (!key.isEmpty()) {
            Column noKey = key.stream().map(k -> typedByName.get(k).isNull()).reduce(Column::and).orElseThrow();
            reasons.add(when(noKey, lit(RecordTyper.missingRecordKey(key))));
        }
        if (typer.keepsExtra()) {
            List<Column> extra = new ArrayList<>();
            for (String c : read.columns()) {
                if (!declared.contains(c)) {
                    extra.add(col(quoted(c)));
                }
            }
            out.add(extra.isEmpty() ? lit(null).cast(DataTypes.StringType).as("_extra")
                    : to_json(struct(extra.toArray(Column[]::new))).as("_extra"));
        }
        Column allColumns = struct(java.util.Arrays.stream(read.columns()).map(c -> col(quoted(c))).toArray(Column[]::new));
        out.add(lit(sourceName).as("_source_file"));
        out.add(monotonically_increasing_id().as("_record_index"));
        out.add(lit(null).cast(DataTypes.LongType).as("_record_line"));
        Column error = reasons.isEmpty() ? lit(null).cast(DataTypes.StringType) : coalesce(reasons.toArray(Column[]::new));
        out.add(error.as("_error"));
        out.add(when(error.isNotNull(), to_json(allColumns)).as("_raw"));
        return read.select(out.toArray(Column[]::new));
    }

    private static Column cast(Column raw, FieldType type) {
        return switch (type) {
            case STRING -> raw.cast(DataTypes.StringType);
            case JSON -> raw.cast(DataTypes.StringType);
            case TIMESTAMP -> raw.cast(DataTypes.TimestampType);
            case LONG -> raw.cast(DataTypes.LongType);
            case DOUBLE -> raw.cast(DataTypes.DoubleType);
            case BOOLEAN -> raw.cast(DataTypes.BooleanType);
        };
    }

    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
    /** One row for the batch in the ledger {@code parse} keeps, so {@code distribute} reports what was quarantined. */
    private void appendLedger(BatchManifest manifest, String rangeJson, long valid, long bad, Instant at) {
        String source = sourceName(profile.sourceOrFiles());
        IngestedFiles.append(spark, lake, dataset, PullJdbc.STEP, manifest,
                List.of(new IngestedFiles.Entry(source, source + "@" + rangeJson, valid, bad, null)), at);
    }
}
