package io.sluice.steps.trusted;

import io.sluice.SparkTestSession;
import io.sluice.config.DatasetProfile;
import io.sluice.config.FieldType;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TableShapeTest {
    private static final SparkSession SPARK = SparkTestSession.get();

    private static TableShape shape() {
        LinkedHashMap<String, FieldType> fields = new LinkedHashMap<>();
        fields.put("site", FieldType.STRING);
        fields.put("visit", FieldType.STRING);
        fields.put("at", FieldType.TIMESTAMP);
        return new TableShape(new DatasetProfile(List.of("site", "visit"), "at", null, "at", "UTC", fields,
                List.of("at"), DatasetProfile.UnknownKeys.KEEP, null, null, null, null, null, null));
    }

    private static Dataset<Row> keys(DataType site, DataType visit, Object[]... rows) {
        StructType schema = new StructType().add("site", site).add("visit", visit);
        return SPARK.createDataFrame(Arrays.stream(rows).map(RowFactory::create).toList(), schema);
    }

    /** Each row's two key hashes, in the rows' order. */
    private static List<List<Long>> hashes(Dataset<Row> rows) {
        Column[] key = shape().keyHash(rows);
        return rows.select(key).collectAsList().stream().map(r -> List.of(r.getLong(0), r.getLong(1))).toList();
    }

    @Test
    void keysThatDifferOnlyInWhichPartIsNullOrWhereTheTextSplitsHashApart() {
        List<List<Long>> hashes = hashes(keys(DataTypes.StringType, DataTypes.StringType,
                new Object[] {"a", null}, new Object[] {null, "a"}, new Object[] {"a", "a"}, new Object[] {null, null},
                new Object[] {"ab", "c"}, new Object[] {"a", "bc"}, new Object[] {"", null}, new Object[] {null, ""},
                new Object[] {"'\\\"%=/é", "a"}));
        Set<Long> first = new HashSet<>();
        Set<Long> second = new HashSet<>();
        hashes.forEach(h -> {
            first.add(h.get(0));
            second.add(h.get(1));
        });
        assertEquals(hashes.size(), first.size(), "first hashes " + hashes);
        assertEquals(hashes.size(), second.size(), "second hashes " + hashes);
    }

    @Test
    void aKeyHashesAlikeWhateverTheWidthOfItsIntegerOrFloatingType() {
        assertEquals(hashes(keys(DataTypes.LongType, DataTypes.DoubleType, new Object[] {7L, 1.5},
                        new Object[] {null, -2.0})),
                hashes(keys(DataTypes.IntegerType, DataTypes.FloatType, new Object[] {7, 1.5f},
                        new Object[] {null, -2.0f})));
        assertEquals(hashes(keys(DataTypes.LongType, DataTypes.LongType, new Object[] {3L, 4L})),
                hashes(keys(DataTypes.ShortType, DataTypes.ByteType, new Object[] {(short) 3, (byte) 4})));
    }
}
