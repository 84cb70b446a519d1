package io.sluice.config;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Layout of a dataset's historical folders, read by {@code backfill-history}.
 *
 * @param folderPattern regular expression a shard folder's name matches
 * @param expectedFolders names of the folders that must exist; {@code {HH}} expands to 00..FF
 * @param documentsUnder documents live directly under folders of this name; anything else is a stray
 * @param idPattern regular expression of the record folders between a shard folder and {@code documentsUnder}
 */
public record History(String folderPattern, List<String> expectedFolders, String documentsUnder, String idPattern) {
    /** Default of {@link #idPattern}: a 32-digit hexadecimal id. */
    public static final String ID_PATTERN_DEFAULT = "^[0-9a-fA-F]{32}$";

    public History {
        expectedFolders = expectedFolders == null ? List.of() : List.copyOf(expectedFolders);
        documentsUnder = documentsUnder == null ? "id" : documentsUnder;
        idPattern = idPattern == null ? ID_PATTERN_DEFAULT : idPattern;
    }

    public History(String folderPattern, List<String> expectedFolders, String documentsUnder) {
        this(folderPattern, expectedFolders, documentsUnder, null);
    }

    void validate(String at) {
        if (folderPattern == null || folderPattern.isBlank()) {
            throw new ConfigException(at + ".folderPattern is missing; give the regular expression of a"
                    + " shard folder's name");
        }
        try {
            Pattern.compile(folderPattern);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(at + ".folderPattern: '" + folderPattern + "' is not a valid regular"
                    + " expression: " + e.getDescription(), e);
        }
        try {
            Pattern.compile(idPattern);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(at + ".idPattern: '" + idPattern + "' is not a valid regular expression: "
                    + e.getDescription(), e);
        }
        if (documentsUnder.isBlank() || documentsUnder.contains("/")) {
            throw new ConfigException(at + ".documentsUnder: '" + documentsUnder + "' must be one folder name,"
                    + " such as id");
        }
    }

    /** The expected folder names, with {@code {HH}} expanded to every two-digit hex shard. */
    public List<String> expandedExpectedFolders() {
        return expectedFolders.stream().flatMap(name -> {
            if (!name.contains("{HH}")) {
                return java.util.stream.Stream.of(name);
            }
            return java.util.stream.IntStream.range(0, 256)
                    .mapToObj(i -> name.replace("{HH}", String.format("%02X", i)));
        }).toList();
    }
}
