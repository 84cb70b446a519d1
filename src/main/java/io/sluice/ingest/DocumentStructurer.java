package io.sluice.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.sluice.config.Structure;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Applies a profile's {@link Structure} rules to one document, at every depth: stringified objects and
 * arrays become nested values; personal data is hashed, dropped or kept; keys naming attachments are
 * dropped; objects keyed by data become lists of key/value pairs; keys illegal as column names are
 * sanitised or dropped; empty objects become null (Parquet cannot store an empty struct).
 */
public final class DocumentStructurer implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final List<String> dropKeysContaining;
    private final String dataKeys;
    private final String validKey;
    private final boolean sanitize;
    private final Map<String, Structure.PersonalData> personalData;
    private final byte[] personalDataKey;
    private transient Pattern dataKeyPattern;
    private transient Pattern validKeyPattern;
    private transient Mac mac;

    /** A document whose stringified JSON does not parse; the message is the quarantine reason. */
    public static final class UnstructurableException extends Exception {
        UnstructurableException(String message) {
            super(message);
        }
    }

    /**
     * @param personalDataKey the HMAC key; required when any personal-data action is {@code hash}
     */
    public DocumentStructurer(Structure structure, byte[] personalDataKey) {
        this.dropKeysContaining = structure.dropKeysContaining().stream()
                .map(s -> s.toLowerCase(Locale.ROOT)).toList();
        this.dataKeys = structure.dataKeys();
        this.validKey = structure.validKey();
        this.sanitize = structure.invalidKeys() == Structure.InvalidKeys.SANITIZE;
        this.personalData = Map.copyOf(structure.personalDataByPath());
        this.personalDataKey = personalDataKey == null ? null : personalDataKey.clone();
        if (structure.hashesPersonalData() && personalDataKey == null) {
            throw new IllegalArgumentException("a personal-data key is required to hash personal data");
        }
    }

    /** The structured copy of {@code document}. */
    public ObjectNode structure(ObjectNode document) throws UnstructurableException {
        JsonNode result = transform(document, "");
        return result instanceof ObjectNode object ? object : NODES.objectNode();
    }

    private JsonNode transform(JsonNode node, String path) throws UnstructurableException {
        if (node.isTextual()) {
            if (node.asText().isEmpty()) {
                return NODES.nullNode();
            }
            JsonNode parsed = parseStringified(node.asText(), path);
            return parsed == null ? node : transform(parsed, path);
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = NODES.arrayNode(array.size());
            for (JsonNode element : array) {
                out.add(transform(element, path));
            }
            return out;
        }
        if (node instanceof ObjectNode object) {
            return transformObject(object, path);
        }
        return node;
    }

    private JsonNode transformObject(ObjectNode object, String path) throws UnstructurableException {
        if (object.isEmpty()) {
            return NODES.nullNode();
        }
        boolean keyedByData = true;
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            keyedByData &= dataKeyPattern().matcher(names.next()).matches();
        }
        if (keyedByData) {
            ArrayNode pairs = NODES.arrayNode(object.size());
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                ObjectNode pair = NODES.objectNode();
                pair.put("key", field.getKey());
                JsonNode value = transform(field.getValue(), path + "." + field.getKey());
                pair.set("value", value.isValueNode() ? TextNode.valueOf(value.asText()) : value);
                pairs.add(pair);
            }
            return pairs;
        }
        ObjectNode out = NODES.objectNode();
        Set<String> taken = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            String childPath = path.isEmpty() ? key : path + "." + key;
            if (dropsKey(key)) {
                continue;
            }
            Structure.PersonalData action = personalData.get(childPath);
            JsonNode value = field.getValue();
            if (action == Structure.PersonalData.DROP) {
                continue;
            }
            value = action == Structure.PersonalData.HASH ? hash(value) : transform(value, childPath);
            String column = columnName(key);
            if (column == null) {
                continue;
            }
            while (!taken.add(column.toLowerCase(Locale.ROOT))) {
                column = column + "_";
            }
            out.set(column, value);
        }
        return out.isEmpty() ? NODES.nullNode() : out;
    }

    /**
     * The JSON object or array {@code text} holds, or null when it holds a plain string. Text that starts
     * like an object or an array of objects, arrays or strings must parse; other bracketed text is parsed
     * when it can be and kept as a string when it cannot ("[draft]").
     */
    private JsonNode parseStringified(String text, String path) throws UnstructurableException {
        String trimmed = text.strip();
        if (trimmed.length() < 2 || (trimmed.charAt(0) != '{' && trimmed.charAt(0) != '[')) {
            return null;
        }
        String inside = trimmed.substring(1).stripLeading();
        boolean mustParse = trimmed.charAt(0) == '{'
                || (!inside.isEmpty() && "{[\"]".indexOf(inside.charAt(0)) >= 0);
        try {
            return JsonRecordReader.MAPPER.readTree(trimmed);
        } catch (JsonProcessingException e) {
            if (!mustParse) {
                return null;
            }
            throw new UnstructurableException("field '" + (path.isEmpty() ? "(document)" : path)
                    + "' holds malformed stringified JSON: " + e.getOriginalMessage());
        }
    }

    private boolean dropsKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        for (String fragment : dropKeysContaining) {
            if (lower.contains(fragment)) {
                return true;
            }
        }
        return false;
    }

    private String columnName(String key) {
        if (validKeyPattern().matcher(key).matches()) {
            return key;
        }
        if (!sanitize) {
            return null;
        }
        String cleaned = key.strip().replaceAll("[^A-Za-z0-9_]+", "_").replaceAll("^_+|_+$", "");
        if (cleaned.isEmpty()) {
            return null;
        }
        return Character.isDigit(cleaned.charAt(0)) ? "_" + cleaned : cleaned;
    }

    private JsonNode hash(JsonNode value) {
        if (value == null || value.isNull()) {
            return NODES.nullNode();
        }
        String clear = value.isValueNode() ? value.asText() : value.toString();
        byte[] digest = mac().doFinal(clear.getBytes(StandardCharsets.UTF_8));
        return TextNode.valueOf(HexFormat.of().formatHex(digest));
    }

    private Mac mac() {
        if (mac == null) {
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(personalDataKey, "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
            }
        }
        return mac;
    }

    private Pattern dataKeyPattern() {
        if (dataKeyPattern == null) {
            dataKeyPattern = Pattern.compile(dataKeys);
        }
        return dataKeyPattern;
    }

    private Pattern validKeyPattern() {
        if (validKeyPattern == null) {
            validKeyPattern = Pattern.compile(validKey);
        }
        return validKeyPattern;
    }

    /** Paths of personal data this structurer hashes, for the run summary. */
    public List<String> hashedPaths() {
        List<String> paths = new ArrayList<>();
        personalData.forEach((path, action) -> {
            if (action == Structure.PersonalData.HASH) {
                paths.add(path);
            }
        });
        return paths;
    }
}
