package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Rules that turn documents whose values arrive as stringified JSON into nested values, applied
 * generically at every depth.
 *
 * @param dropKeysContaining a key whose name contains any of these (any case) is dropped with its value
 * @param dataKeys an object all of whose keys match this pattern holds data, not names: it becomes a
 *     list of {@code {key, value}} pairs instead of one column per key
 * @param invalidKeys what to do with keys that are not legal column names for Hive, Athena and Glue
 * @param validKey pattern of a legal column name
 * @param personalData dotted paths (array levels are transparent) to the action on their values
 * @param personalDataKeyEnv environment variable holding the pseudonymisation key
 * @param personalDataKeyFile file holding the pseudonymisation key, used when the variable is unset
 */
public record Structure(
        List<String> dropKeysContaining,
        String dataKeys,
        InvalidKeys invalidKeys,
        String validKey,
        LinkedHashMap<String, PersonalData> personalData,
        String personalDataKeyEnv,
        String personalDataKeyFile) {

    /** What happens to a key that is not a legal column name. */
    public enum InvalidKeys {
        /** Characters outside {@code [A-Za-z0-9_]} become {@code _}; a leading digit gets a {@code _}. */
        @JsonProperty("sanitize") SANITIZE,
        /** The key is dropped with its value. */
        @JsonProperty("drop") DROP
    }

    /** What happens to a personal-data value. */
    public enum PersonalData {
        /** Replaced by hex HMAC-SHA-256 of the value under the secret key: joins still work. */
        @JsonProperty("hash") HASH,
        /** Removed. */
        @JsonProperty("drop") DROP,
        /** Kept in clear. */
        @JsonProperty("keep") KEEP
    }

    public Structure {
        dropKeysContaining = dropKeysContaining == null ? List.of() : List.copyOf(dropKeysContaining);
        dataKeys = dataKeys == null ? "^[0-9]+$" : dataKeys;
        invalidKeys = invalidKeys == null ? InvalidKeys.SANITIZE : invalidKeys;
        validKey = validKey == null ? "^[A-Za-z_][A-Za-z0-9_]*$" : validKey;
        personalData = personalData == null ? new LinkedHashMap<>() : personalData;
        personalDataKeyEnv = personalDataKeyEnv == null ? "SLUICE_PII_KEY" : personalDataKeyEnv;
    }

    public boolean hashesPersonalData() {
        return personalData.values().stream().anyMatch(action -> action == PersonalData.HASH);
    }

    public Map<String, PersonalData> personalDataByPath() {
        return personalData;
    }

    void validate(String at) {
        compile(at + ".dataKeys", dataKeys);
        compile(at + ".validKey", validKey);
    }

    private static void compile(String key, String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(key + ": '" + regex + "' is not a valid regular expression: "
                    + e.getDescription(), e);
        }
    }
}
