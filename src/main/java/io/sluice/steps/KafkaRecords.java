package io.sluice.steps;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.ingest.ParsedRecords;
import io.sluice.ingest.RecordTyper;
import io.sluice.ingest.TypedRecord;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Iterator;
import java.util.List;

/**
 * Types Kafka records against the dataset profile, on the executors: each value is one JSON record. A usable one
 * becomes the profile's typed columns; any other keeps its text in {@code _raw} and the reason in {@code _error}.
 * Every row carries the lineage of the file reader ({@code _source_file} = {@code kafka://<topic>/<partition>},
 * {@code _record_index} = the offset) and the Kafka coordinates {@link #KAFKA_LINEAGE}.
 *
 * <p>Input rows: {@code topic, partition, offset, timestamp, key, value}, key and value as strings.
 */
final class KafkaRecords implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** Kafka lineage columns of a stage row. */
    static final List<String> KAFKA_LINEAGE =
            List.of("_kafka_topic", "_kafka_partition", "_kafka_offset", "_kafka_timestamp", "_kafka_key");
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final RecordTyper typer;

    KafkaRecords(RecordTyper typer) {
        this.typer = typer;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        int width = typer.columnNames().size();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return input.hasNext();
            }

            @Override
            public Row next() {
                Row in = input.next();
                String topic = in.getString(0);
                int partition = in.getInt(1);
                long offset = in.getLong(2);
                String value = in.isNullAt(5) ? null : in.getString(5);
                Object[] out = new Object[width + 5 + KAFKA_LINEAGE.size()];
                String error = null;
                if (value == null) {
                    error = "a Kafka record without a value (a tombstone); a record needs a JSON object";
                } else {
                    TypedRecord typed = type(value);
                    if (typed.rejectionReason().isPresent()) {
                        error = typed.rejectionReason().get();
                    } else {
                        System.arraycopy(typed.values(), 0, out, 0, width);
                    }
                }
                int at = width;
                out[at++] = "kafka://" + topic + "/" + partition;
                out[at++] = offset;
                out[at++] = null;
                out[at++] = error;
                out[at++] = error == null ? null : value;
                out[at++] = topic;
                out[at++] = partition;
                out[at++] = offset;
                out[at++] = in.get(3);
                out[at] = in.isNullAt(4) ? null : in.getString(4);
                return RowFactory.create(out);
            }
        };
    }

    private TypedRecord type(String value) {
        JsonNode node;
        try {
            node = MAPPER.readTree(value);
        } catch (JsonProcessingException e) {
            return TypedRecord.rejected("not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            return TypedRecord.rejected("an empty Kafka value; a record needs a JSON object");
        }
        return typer.type(node);
    }

    /** The rows' schema: the profile's typed columns, the file reader's trailing columns, then Kafka lineage. */
    static StructType schema(RecordTyper typer) {
        List<StructField> fields = ParsedRecords.typedFields(typer);
        fields.add(DataTypes.createStructField("_source_file", DataTypes.StringType, false));
        fields.add(DataTypes.createStructField("_record_index", DataTypes.LongType, false));
        fields.add(DataTypes.createStructField("_record_line", DataTypes.LongType, true));
        fields.add(DataTypes.createStructField("_error", DataTypes.StringType, true));
        fields.add(DataTypes.createStructField("_raw", DataTypes.StringType, true));
        fields.add(DataTypes.createStructField("_kafka_topic", DataTypes.StringType, false));
        fields.add(DataTypes.createStructField("_kafka_partition", DataTypes.IntegerType, false));
        fields.add(DataTypes.createStructField("_kafka_offset", DataTypes.LongType, false));
        fields.add(DataTypes.createStructField("_kafka_timestamp", DataTypes.TimestampType, true));
        fields.add(DataTypes.createStructField("_kafka_key", DataTypes.StringType, true));
        return DataTypes.createStructType(fields);
    }

    static org.apache.spark.sql.Encoder<Row> encoder(RecordTyper typer) {
        return org.apache.spark.sql.Encoders.row(schema(typer));
    }
}
