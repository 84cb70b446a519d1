package io.sluice.ingest;

import java.io.Serializable;

/**
 * A landing file to read.
 *
 * @param uri where it is now (pending, or processed when a resumed batch already moved it)
 * @param relativePath its name below {@code pending/}, kept as lineage
 */
public record FileTask(String uri, String relativePath) implements Serializable {
}
