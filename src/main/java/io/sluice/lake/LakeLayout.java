package io.sluice.lake;

import io.sluice.config.Zones;
import io.sluice.storage.Storage;

/** Where each table, ledger and lock of a dataset lives in the zones. */
public record LakeLayout(Zones zones, Storage storage) {

    public String pending() {
        return storage.resolve(zones.landing(), "pending");
    }

    public String processed(String date) {
        return storage.resolve(zones.landing(), "processed/date=" + date);
    }

    public String parseLock(String dataset) {
        return storage.resolve(zones.landing(), "_sluice/parse-" + dataset + ".lock");
    }

    public String stageTable(String dataset) {
        return storage.resolve(zones.stage(), dataset);
    }

    /** Files already ingested into stage, by content fingerprint: what makes a re-delivery harmless. */
    public String ingestedFiles(String dataset) {
        return storage.resolve(zones.stage(), "_sluice/" + dataset + "/files");
    }

    /** Where {@code parse} keeps the parsed rows of batch {@code seq} until its commits are done. */
    public String parseWork(String dataset, long seq) {
        return storage.resolve(zones.stage(), "_sluice/" + dataset + "/parse-work/" + seq);
    }

    public String quarantineTable(String dataset) {
        return storage.resolve(zones.quarantine(), dataset);
    }

    public String trustedTable(String dataset) {
        return storage.resolve(zones.trusted(), dataset);
    }

    /** Stage batches a trusted table has consumed. */
    public String consumedBatches(String dataset) {
        return storage.resolve(zones.trusted(), "_sluice/" + dataset + "/consumed");
    }

    /** The batches of {@link #consumedBatches} as of one of its commits ({@link ConsumedBatches}). */
    public String consumedBatchesSummary(String dataset) {
        return storage.resolve(zones.trusted(), "_sluice/" + dataset + "/consumed-summary.json");
    }

    /** The trusted table's key index (distribute's classification reads it instead of the table). */
    public String keyIndex(String table) {
        return storage.resolve(zones.trusted(), "_sluice/" + table + "/key-index");
    }

    public String distributeLock(String dataset) {
        return storage.resolve(zones.trusted(), "_sluice/" + dataset + "/distribute.lock");
    }

    /** Where {@code backfill-history run} keeps the parsed documents of {@code folder} until its writes are done. */
    public String backfillWork(String dataset, String folder) {
        return storage.resolve(zones.trusted(), "_sluice/" + dataset + "/backfill-work/" + folder);
    }

    /** State files of a dataset's history backfill, one per folder. */
    public String backfillState(String dataset) {
        return storage.resolve(zones.trusted(), "_sluice/" + dataset + "/backfill");
    }

    /** The gold table {@code name} of a dataset: {@code <gold>/<dataset>/<name>}. */
    public String goldTable(String dataset, String name) {
        return storage.resolve(zones.goldRoot(), dataset + "/" + name);
    }

    public String publishLock(String dataset) {
        return storage.resolve(zones.goldRoot(), "_sluice/" + dataset + "/publish.lock");
    }

    /** Delta transaction application id of {@code publish} writing a gold table; its version is the trusted version consumed. */
    public static String publishTxnAppId(String dataset, String name) {
        return txnAppId("publish", dataset + "-" + name);
    }

    /** Delta transaction application id of a step writing a dataset, scoped by the writing step. */
    public static String txnAppId(String step, String dataset) {
        return "sluice-" + step + "-" + dataset;
    }
}
