package io.sluice.catalog;

import io.sluice.config.ConfigException;

import java.util.Optional;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A catalog table name, {@code db.name} or {@code name}, as Hive, Glue, Athena and Spark all accept it.
 *
 * @param database the database (schema), or empty for the catalog's current one
 * @param name the table
 */
public record TableName(Optional<String> database, String name) {
    private static final Pattern PART = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public TableName {
        requireNonNull(database, "database is null");
        requireNonNull(name, "name is null");
    }

    /**
     * Parses {@code text}; {@code source} names where it came from in the error (an option, a config key).
     * Glue and Athena take only letters, digits and underscores, so nothing else is accepted.
     */
    public static TableName parse(String text, String source) {
        String[] parts = text.split("\\.", -1);
        if (parts.length > 2 || !PART.matcher(parts[0]).matches()
                || parts.length == 2 && !PART.matcher(parts[1]).matches()) {
            throw new ConfigException(source + ": '" + text + "' is not a table name; write db.name or name, with"
                    + " letters, digits and underscores only (what Glue, Athena and Hive all accept)");
        }
        return parts.length == 2 ? new TableName(Optional.of(parts[0]), parts[1]) : new TableName(Optional.empty(), parts[0]);
    }

    /** The name quoted for Spark SQL, Hive and Athena DDL: {@code `db`.`name`}. */
    public String quoted() {
        return database.map(db -> "`" + db + "`.").orElse("") + "`" + name + "`";
    }

    @Override
    public String toString() {
        return database.map(db -> db + ".").orElse("") + name;
    }
}
