package io.sluice.plan;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExecutorSizingTest {
    private final InstanceCatalog catalog = InstanceCatalog.standard();

    private ExecutorSizing size(String type, int nodes) {
        return ExecutorSizing.of(catalog.find(type).orElseThrow(), nodes);
    }

    @Test
    void twoC54xlargeHoldFiveExecutorsAndLeaveHeadroom() {
        // 16 vCPU: (16 - 1) / 5 = 3 executors per node; 90% of 24576 = 22118 MB; / 3 = 7372, down to 32 MB: 7360
        // = 6624 heap + 736 overhead; 3 x 2 - 1 = 5 instances.
        ExecutorSizing sizing = size("c5.4xlarge", 2);
        assertEquals(new ExecutorSizing(catalog.find("c5.4xlarge").orElseThrow(), 2, 5, 3, 6624, 736, 5, 50),
                sizing);
        assertEquals(new ExecutorSizing.Fit(true, "5 executors + driver use 44160 of 49152 MB (4992 MB left for other"
                + " containers) and 30 of 30 cores"), sizing.fits());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("spark.dynamicAllocation.enabled", "false");
        expected.put("spark.executor.instances", "5");
        expected.put("spark.executor.cores", "5");
        expected.put("spark.executor.memory", "6624m");
        expected.put("spark.executor.memoryOverhead", "736m");
        expected.put("spark.driver.cores", "5");
        expected.put("spark.driver.memory", "6624m");
        expected.put("spark.driver.memoryOverhead", "736m");
        expected.put("spark.default.parallelism", "50");
        expected.put("spark.sql.shuffle.partitions", "50");
        assertEquals(expected, sizing.sparkProperties());
    }

    @Test
    void tenM52xlargeHoldOneExecutorEach() {
        // 8 vCPU: (8 - 1) / 5 = 1 per node; 90% of 24576 = 22118, down to 32 MB: 22112 = 19900 heap + 2212 overhead.
        ExecutorSizing sizing = size("m5.2xlarge", 10);
        assertEquals(new ExecutorSizing(catalog.find("m5.2xlarge").orElseThrow(), 10, 5, 1, 19900, 2212, 9, 90),
                sizing);
        assertEquals(new ExecutorSizing.Fit(true, "9 executors + driver use 221120 of 245760 MB (24640 MB left for"
                + " other containers) and 50 of 70 cores"), sizing.fits());
    }

    @Test
    void tenR6g2xlargeAskForContainersBelowEmrsGravitonMaximum() {
        // EMR's r6g.2xlarge offers 54272 MB (and allows containers up to that), not r5.2xlarge's 57344: 90% is
        // 48844, down to 32 MB 48832 = 43948 heap + 4884 overhead.
        ExecutorSizing sizing = size("r6g.2xlarge", 10);
        assertEquals(54272, sizing.type().yarnMemoryMb());
        assertEquals(new ExecutorSizing(catalog.find("r6g.2xlarge").orElseThrow(), 10, 5, 1, 43948, 4884, 9, 90),
                sizing);
        assertTrue(sizing.containerMb() <= 54272, sizing.toString());
    }

    @Test
    void twoC6g4xlargeFitEveryExecutorOnTheNodes() {
        ExecutorSizing sizing = size("c6g.4xlarge", 2);
        assertEquals(new ExecutorSizing(catalog.find("c6g.4xlarge").orElseThrow(), 2, 5, 3, 6307, 701, 5, 50),
                sizing);
        assertTrue(sizing.executorsPerNode() * sizing.containerMb() <= sizing.type().yarnMemoryMb() * 9 / 10,
                sizing.toString());
    }

    @Test
    void fourR54xlargeHoldElevenExecutors() {
        // 16 vCPU: 3 per node; 90% of 122880 = 110592 / 3 = 36864 MB: 33177 heap + 3687 overhead.
        ExecutorSizing sizing = size("r5.4xlarge", 4);
        assertEquals(new ExecutorSizing(catalog.find("r5.4xlarge").orElseThrow(), 4, 5, 3, 33177, 3687, 11, 110),
                sizing);
        assertEquals(new ExecutorSizing.Fit(true, "11 executors + driver use 442368 of 491520 MB (49152 MB left for"
                + " other containers) and 60 of 60 cores"), sizing.fits());
    }

    @Test
    void containersAreWholeYarnAllocations() {
        // 90% of 57344 = 51609 / 3 = 17203 MB, which YARN would round up to 17216; round down to 17184 (537 x 32)
        // instead: 15465 heap + 1719 overhead.
        ExecutorSizing sizing = size("m5.4xlarge", 3);
        assertEquals(new ExecutorSizing(catalog.find("m5.4xlarge").orElseThrow(), 3, 5, 3, 15465, 1719, 8, 80),
                sizing);
        assertEquals(0, sizing.containerMb() % ExecutorSizing.YARN_ALLOCATION_MB);
    }

    @Test
    void smallNodesGiveOneExecutorOfAllButOneCore() {
        // 4 vCPU: one executor of 3 cores; 90% of 12288 = 11059, down to 32 MB 11040: 9936 heap + 1104 overhead.
        ExecutorSizing sizing = size("m5.xlarge", 2);
        assertEquals(new ExecutorSizing(catalog.find("m5.xlarge").orElseThrow(), 2, 3, 1, 9936, 1104, 1, 6),
                sizing);
    }

    @Test
    void oneNodeOfOneSlotLeavesNothingForExecutors() {
        ExecutorSizing sizing = size("m5.2xlarge", 1);
        assertEquals(0, sizing.instances());
        assertEquals(new ExecutorSizing.Fit(false, "1 x m5.2xlarge hold 1 executor slot(s), all taken by the driver;"
                + " use more --nodes or a larger --instance-type"), sizing.fits());
    }

    @Test
    void databricksSizingIsWorkersAndCoresWithTheDriverOnItsOwnNode() {
        DatabricksSizing sizing = DatabricksSizing.of(catalog.find("i3.xlarge").orElseThrow(), 4);
        assertEquals(new DatabricksSizing(catalog.find("i3.xlarge").orElseThrow(), 4, 4, 32), sizing);
        assertEquals(Map.of("spark.default.parallelism", "32", "spark.sql.shuffle.partitions", "32"),
                sizing.sparkProperties());
        assertEquals(new ExecutorSizing.Fit(true, "4 executor(s), one per worker, with 16 task slots; the driver on"
                + " its own i3.xlarge node"), sizing.fits());
        assertEquals("4 x i3.xlarge workers (4 vCPU, 30.5 GiB) + a i3.xlarge driver node: one executor per worker"
                + " with 4 cores, 16 task slots, parallelism 32", sizing.describe());
    }
}
