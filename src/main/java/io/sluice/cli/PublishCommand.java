package io.sluice.cli;

import io.sluice.catalog.RegisterTable;
import io.sluice.catalog.TableName;
import io.sluice.config.ConfigException;
import io.sluice.config.DatasetProfile;
import io.sluice.config.GoldTable;
import io.sluice.config.SluiceConfig;
import io.sluice.report.StepResult;
import io.sluice.steps.gold.PublishGold;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Map;

/** {@code sluice publish}: the dataset's gold tables brought up to date with its trusted table. */
@Command(name = "publish", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Bring the gold tables a dataset profile declares (datasets.<name>.gold) up to date with the"
                + " trusted table: only the groups the trusted changes since the last publish touched are recomputed and"
                + " replaced (Delta change data feed), the trusted version consumed is committed with the gold write,"
                + " and a rerun with nothing new writes nothing. Each gold table with a 'table' name is registered in"
                + " the catalog.",
                "Example: sluice publish --dataset events --config conf/emr.yaml"})
final class PublishCommand extends DataCommand {

    @Option(names = "--full", description = "Rebuild every gold table whole from the trusted table.")
    boolean full;

    @Override
    void validate(SluiceConfig config, DatasetProfile profile) {
        if (profile.gold().isEmpty()) {
            throw new ConfigException(options.config + ": datasets." + options.dataset + ".gold declares no gold table;"
                    + " add one (a query, its keys), see conf/local.yaml");
        }
        if (profile.format() != DatasetProfile.TableFormat.DELTA) {
            throw new ConfigException(options.config + ": datasets." + options.dataset + ".format is "
                    + profile.format().name().toLowerCase() + "; publish reads a Delta trusted table");
        }
        profile.gold().forEach((name, gold) -> gold.tableName().ifPresent(t -> TableName.parse(t,
                options.config + ": datasets." + options.dataset + ".gold." + name + ".table")));
    }

    @Override
    boolean registersTable() {
        return false;
    }

    @Override
    List<StepResult> steps(Context context, List<StepResult> done) {
        done.add(new PublishGold(context.spark(), context.lake(), context.dataset(), context.profile(), full,
                root.checkpoints(), root.clock(), progress(context.out(), PublishGold.STEP)).execute());
        for (Map.Entry<String, GoldTable> gold : context.profile().gold().entrySet()) {
            if (gold.getValue().tableName().isPresent()) {
                TableName name = TableName.parse(gold.getValue().tableName().get(), options.config + ": datasets."
                        + context.dataset() + ".gold." + gold.getKey() + ".table");
                done.add(new RegisterTable(context.spark(), name, context.lake().goldTable(context.dataset(),
                        gold.getKey()), context.dataset(), root.clock()).execute());
            }
        }
        return done;
    }
}
