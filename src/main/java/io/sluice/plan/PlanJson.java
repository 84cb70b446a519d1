package io.sluice.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The JSON files of a plan: built as Jackson trees, written indented, one per file. */
final class PlanJson {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private PlanJson() {
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static ArrayNode array() {
        return JSON.createArrayNode();
    }

    static ArrayNode strings(List<String> values) {
        ArrayNode array = array();
        values.forEach(array::add);
        return array;
    }

    static ObjectNode properties(Map<String, String> values) {
        ObjectNode node = object();
        values.forEach(node::put);
        return node;
    }

    static Path write(Path dir, String name, JsonNode content) {
        Path file = dir.resolve(name);
        try {
            Files.createDirectories(dir);
            JSON.writeValue(file.toFile(), content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plan file " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
