package io.sluice.cli;

import io.delta.tables.DeltaTable;
import io.sluice.catalog.Engine;
import io.sluice.catalog.TableDdl;
import io.sluice.catalog.TableDescription;
import io.sluice.catalog.TableName;
import io.sluice.config.ConfigLoader;
import io.sluice.config.DatasetProfile;
import io.sluice.config.SluiceConfig;
import io.sluice.lake.LakeLayout;
import io.sluice.storage.Storage;
import io.sluice.storage.Storages;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code sluice ddl}: the DDL that registers each dataset's trusted table in Athena, a Hive metastore or Spark's
 * catalog, with the table's real schema when it exists.
 */
@Command(name = "ddl", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the DDL that registers each trusted table in a catalog (Athena/Glue, Hive metastore,"
                + " Spark), with the table's real schema when it exists.")
final class DdlCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Sluice root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--engine", required = true, paramLabel = "ENGINE",
            description = "Whose DDL: ${COMPLETION-CANDIDATES}.")
    Engine engine;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = ZoneOptions.CONFIG_DEFAULT,
            description = "YAML config: zones and dataset profiles (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--trusted", paramLabel = "URI", description = "Trusted zone root; overrides the config.")
    Optional<String> trusted;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Only this dataset (default: every dataset).")
    Optional<String> dataset;

    @Option(names = "--table", paramLabel = "DB.NAME",
            description = "Catalog name of the table, with --dataset; default: the profile's 'table', else the dataset's name.")
    Optional<String> table;

    @Option(names = "--verbose", description = "Show Spark's own logs.")
    boolean verbose;

    @Override
    public Integer call() {
        if (table.isPresent() && dataset.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--table needs --dataset: it names one table");
        }
        SluiceConfig loaded = ConfigLoader.load(config);
        SluiceConfig cfg = loaded.withZones(loaded.zones().override(Optional.empty(), Optional.empty(), trusted,
                Optional.empty()));
        Map<String, DatasetProfile> profiles = new LinkedHashMap<>();
        if (dataset.isPresent()) {
            profiles.put(dataset.get(), cfg.dataset(dataset.get()));
        } else {
            profiles.putAll(cfg.datasets());
        }
        Map<String, TableName> names = new LinkedHashMap<>();
        profiles.forEach((name, profile) -> names.put(name, tableName(name, profile)));
        SparkSession spark = root.session(new SessionSettings("sluice ddl", cfg.sparkSettings(), verbose));
        Storage storage = Storages.open(spark.sessionState().newHadoopConf(), point -> { });
        LakeLayout lake = new LakeLayout(cfg.zones(), storage);
        PrintWriter out = spec.commandLine().getOut();
        for (Map.Entry<String, DatasetProfile> entry : profiles.entrySet()) {
            String location = lake.trustedTable(entry.getKey());
            out.println(TableDdl.render(engine, describe(spark, storage, names.get(entry.getKey()), location,
                    entry.getValue())));
        }
        out.flush();
        return 0;
    }

    private TableName tableName(String name, DatasetProfile profile) {
        if (table.isPresent()) {
            return TableName.parse(table.get(), "--table");
        }
        return TableName.parse(profile.tableName().orElse(name),
                profile.tableName().isPresent() ? config + ": datasets." + name + ".table" : "dataset name " + name);
    }

    private static TableDescription describe(SparkSession spark, Storage storage, TableName name, String location,
                                             DatasetProfile profile) {
        if (!storage.exists(location)) {
            return new TableDescription(name, location, profile.format() == DatasetProfile.TableFormat.DELTA,
                    Optional.empty(), profile.partitions(), Map.of());
        }
        if (DeltaTable.isDeltaTable(spark, location)) {
            Dataset<Row> rows = spark.read().format("delta").load(location);
            return new TableDescription(name, location, true, Optional.of(rows.schema()), profile.partitions(), Map.of());
        }
        Dataset<Row> rows = spark.read().parquet(location);
        List<String> partitions = profile.partitions().stream()
                .filter(p -> List.of(rows.schema().fieldNames()).contains(p)).toList();
        return new TableDescription(name, location, false, Optional.of(rows.schema()), partitions,
                partitionValues(rows.inputFiles(), partitions));
    }

    /**
     * The values of each partition column, read from the files' paths ({@code col=value/}): no data is read.
     *
     * @param files the files as URIs, as {@link Dataset#inputFiles()} gives them: a folder {@code region=50%25} (Spark's
     *     escape of {@code 50%}) is {@code region=50%2525} in them
     */
    static Map<String, SortedSet<String>> partitionValues(String[] files, List<String> partitions) {
        Map<String, SortedSet<String>> values = new TreeMap<>();
        partitions.forEach(p -> values.put(p, new TreeSet<>()));
        for (String file : files) {
            for (String segment : URI.create(file).getPath().split("/")) {
                int eq = segment.indexOf('=');
                if (eq > 0 && values.containsKey(segment.substring(0, eq))) {
                    values.get(segment.substring(0, eq)).add(ExternalCatalogUtils.unescapePathName(
                            segment.substring(eq + 1)));
                }
            }
        }
        return values;
    }
}
