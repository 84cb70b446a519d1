package io.sluice.plan;

import io.sluice.config.History;
import io.sluice.storage.Storage;
import io.sluice.storage.StoredFile;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * What one history folder holds against the dataset's history layout: the documents, exactly the files at
 * {@code <folder>/<id>/<documentsUnder>/<file>}, and everything else, which is never read as a record.
 *
 * @param folder the folder's name under the source
 * @param documents the files to read, sorted by path
 * @param straysUnderDocuments files deeper than {@code <documentsUnder>/}: stray subfolders with other documents
 * @param straysElsewhere files anywhere else: loose at the folder's top, beside {@code <documentsUnder>/}, or
 *     under a folder whose name is no id
 * @param hidden files whose path has a name starting with '_' or '.': bookkeeping, not data
 * @param examples the first stray paths, relative to the source, for the report
 */
public record FolderListing(String folder, List<StoredFile> documents, long straysUnderDocuments,
                            long straysElsewhere, long hidden, List<String> examples) {
    /** How many stray paths a listing keeps as examples. */
    public static final int EXAMPLES = 5;

    public FolderListing {
        requireNonNull(folder, "folder is null");
        documents = List.copyOf(documents);
        examples = List.copyOf(examples);
    }

    /** Lists {@code <source>/<folder>} recursively through {@code storage}, so any scheme works. */
    public static FolderListing of(Storage storage, String source, String folder, History history) {
        requireNonNull(storage, "storage is null");
        requireNonNull(history, "history is null");
        Pattern id = Pattern.compile(history.idPattern());
        List<StoredFile> documents = new ArrayList<>();
        List<String> examples = new ArrayList<>();
        long deeper = 0;
        long elsewhere = 0;
        long hidden = 0;
        for (StoredFile file : storage.listFiles(storage.resolve(source, folder))) {
            String[] parts = file.relativePath().split("/");
            if (isHidden(parts)) {
                hidden++;
                continue;
            }
            boolean underDocuments = parts.length >= 3 && id.matcher(parts[0]).matches()
                    && parts[1].equals(history.documentsUnder());
            if (underDocuments && parts.length == 3) {
                documents.add(file);
                continue;
            }
            if (underDocuments) {
                deeper++;
            } else {
                elsewhere++;
            }
            if (examples.size() < EXAMPLES) {
                examples.add(folder + "/" + file.relativePath());
            }
        }
        return new FolderListing(folder, documents, deeper, elsewhere, hidden, examples);
    }

    /** Every file not read: strays and hidden files. */
    public long skipped() {
        return strays() + hidden;
    }

    public long strays() {
        return straysUnderDocuments + straysElsewhere;
    }

    /** A line for the report naming {@code documentsUnder}; empty when no stray was found. */
    public String describeStrays(String documentsUnder) {
        if (strays() == 0) {
            return "";
        }
        return folder + ": skipped " + strays() + " stray file(s), not read as records (" + straysUnderDocuments
                + " in subfolders below <id>/" + documentsUnder + "/, " + straysElsewhere + " outside <id>/"
                + documentsUnder + "/), e.g. " + String.join(", ", examples);
    }

    private static boolean isHidden(String[] parts) {
        return java.util.Arrays.stream(parts).anyMatch(StoredFile::isHidden);
    }
}
