package io.sluice.plan;

import io.sluice.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstanceCatalogTest {
    private final InstanceCatalog catalog = InstanceCatalog.standard();

    @Test
    void holdsEveryEmrFamilyFromXlargeTo16xlarge() {
        for (String family : List.of("m5", "m6g", "c5", "c6g", "r5", "r6g")) {
            List<String> sizes = family.equals("c5") ? List.of("xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge",
                    "18xlarge") : List.of("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge");
            for (String size : sizes) {
                assertTrue(catalog.find(family + "." + size).isPresent(), family + "." + size);
            }
        }
    }

    @Test
    void knowsAwsYarnDefaultsAndDatabricksNodes() {
        assertEquals(new InstanceType("c5.4xlarge", 16, 32, 24576, InstanceType.MemorySource.EMR_DOCS),
                catalog.find("c5.4xlarge").orElseThrow());
        assertEquals(new InstanceType("r5.16xlarge", 64, 512, 516096, InstanceType.MemorySource.EMR_DOCS),
                catalog.find("r5.16xlarge").orElseThrow());
        // Graviton: EMR publishes r6g.2xlarge at 54272 MB, below r5.2xlarge's 57344.
        assertEquals(new InstanceType("r6g.2xlarge", 8, 64, 54272, InstanceType.MemorySource.EMR_DOCS),
                catalog.find("r6g.2xlarge").orElseThrow());
        assertEquals(new InstanceType("c6g.4xlarge", 16, 32, 23424, InstanceType.MemorySource.EMR_DOCS),
                catalog.find("c6g.4xlarge").orElseThrow());
        assertEquals(new InstanceType("m6g.12xlarge", 48, 192, 181248, InstanceType.MemorySource.EMR_DOCS),
                catalog.find("m6g.12xlarge").orElseThrow());
        assertEquals(new InstanceType("c6g.xlarge", 4, 8, 5632, InstanceType.MemorySource.EMR_DOCS),
                catalog.find("c6g.xlarge").orElseThrow());
        assertEquals(new InstanceType("m5.12xlarge", 48, 192, 188416, InstanceType.MemorySource.EMR_DOCS),
                catalog.find("m5.12xlarge").orElseThrow());
        assertEquals(new InstanceType("i3.xlarge", 4, 30.5, 23296), catalog.find("i3.xlarge").orElseThrow());
        assertEquals(new InstanceType("Standard_DS4_v2", 8, 28, 21504),
                catalog.find("Standard_DS4_v2").orElseThrow());
        assertEquals(new InstanceType("n2-standard-8", 8, 32, 24576), catalog.find("n2-standard-8").orElseThrow());
    }

    @Test
    void everyGravitonTypeOffersLessThanItsX86Sibling() {
        for (String size : List.of("xlarge", "2xlarge", "4xlarge", "12xlarge", "16xlarge")) {
            for (String[] pair : List.of(new String[]{"m6g", "m5"}, new String[]{"r6g", "r5"},
                    new String[]{"c6g", "c5"})) {
                if (pair[0].equals("c6g") && !List.of("xlarge", "2xlarge", "4xlarge", "12xlarge").contains(size)) {
                    continue;
                }
                int graviton = catalog.find(pair[0] + "." + size).orElseThrow().yarnMemoryMb();
                int x86 = catalog.find(pair[1] + "." + size).orElseThrow().yarnMemoryMb();
                assertTrue(graviton < x86 && graviton % 32 == 0, pair[0] + "." + size + ": " + graviton);
                assertEquals(InstanceType.MemorySource.EMR_DOCS,
                        catalog.find(pair[0] + "." + size).orElseThrow().memorySource());
            }
        }
    }

    @Test
    void unknownTypeNeedsItsSize() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> catalog.resolve("x9.huge", OptionalInt.empty(), OptionalDouble.empty()));
        assertEquals("instance type 'x9.huge' is not in the catalog; pass --vcpus and --memory-gib with the node's"
                + " size (for example --vcpus 16 --memory-gib 64), or use a known type such as m5.2xlarge, c5.4xlarge,"
                + " r5.4xlarge, i3.xlarge", e.getMessage());
        ConfigException half = assertThrows(ConfigException.class,
                () -> catalog.resolve("x9.huge", OptionalInt.of(16), OptionalDouble.empty()));
        assertTrue(half.getMessage().contains("pass --memory-gib with"), half.getMessage());
    }

    @Test
    void unknownTypeWithItsSizeLeavesAQuarterToTheSystem() {
        assertEquals(new InstanceType("x9.huge", 16, 64, 49152, InstanceType.MemorySource.ESTIMATE),
                catalog.resolve("x9.huge", OptionalInt.of(16), OptionalDouble.of(64)));
    }
}
