package io.sluice.plan;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ExecutorSizingTest {
    private final InstanceCatalog catalog = InstanceCatalog.standard();

    private ExecutorSizing size(String type, int nodes) {
        return ExecutorSizing.of(catalog.find(type).orElseThrow(), nodes);
    }

    @Test
    void twoC54xlargeHoldFiveExecutorsNotFortySeven() {
        // 16 vCPU: (16 - 1) / 5 = 3 executors per node; 24576 / 3 = 8192 MB each; 3 x 2 - 1 = 5 instances.
        ExecutorSizing sizing = size("c5.4xlarge", 2);
        assertEquals(new ExecutorSizing(catalog.find("c5.4xlarge").orElseThrow(), 2, 5, 3, 7372, 820, 5, 50),
                sizing);
        assertEquals(new ExecutorSizing.Fit(true, "5 executors + driver use 49152 of 49152 MB and 30 of 30 cores"),
                sizing.fits());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("spark.dynamicAllocation.enabled", "false");
        expected.put("spark.executor.instances", "5");
        expected.put("spark.executor.cores", "5");
        expected.put("spark.executor.memory", "7372m");
        expected.put("spark.executor.memoryOverhead", "820m");
        expected.put("spark.driver.cores", "5");
        expected.put("spark.driver.memory", "7372m");
        expected.put("spark.driver.memoryOverhead", "820m");
        expected.put("spark.default.parallelism", "50");
        expected.put("spark.sql.shuffle.partitions", "50");
        assertEquals(expected, sizing.sparkProperties());
    }

    @Test
    void tenM52xlargeHoldOneExecutorEach() {
        // 8 vCPU: (8 - 1) / 5 = 1 per node; 24576 MB: 22118 heap + 2458 overhead; 10 - 1 = 9 instances.
        ExecutorSizing sizing = size("m5.2xlarge", 10);
        assertEquals(new ExecutorSizing(catalog.find("m5.2xlarge").orElseThrow(), 10, 5, 1, 22118, 2458, 9, 90),
                sizing);
        assertEquals(new ExecutorSizing.Fit(true, "9 executors + driver use 245760 of 245760 MB and 50 of 70 cores"),
                sizing.fits());
    }

    @Test
    void fourR54xlargeHoldElevenExecutors() {
        // 16 vCPU: 3 per node; 122880 / 3 = 40960 MB: 36864 heap + 4096 overhead; 3 x 4 - 1 = 11 instances.
        ExecutorSizing sizing = size("r5.4xlarge", 4);
        assertEquals(new ExecutorSizing(catalog.find("r5.4xlarge").orElseThrow(), 4, 5, 3, 36864, 4096, 11, 110),
                sizing);
        assertEquals(new ExecutorSizing.Fit(true, "11 executors + driver use 491520 of 491520 MB and 60 of 60 cores"),
                sizing.fits());
    }

    @Test
    void containersAreWholeYarnAllocations() {
        // 57344 / 3 = 19114 MB, which YARN would round up to 19136 and three of which overflow the node:
        // round down to 19104 (597 x 32) instead: 17193 heap + 1911 overhead.
        ExecutorSizing sizing = size("m5.4xlarge", 3);
        assertEquals(new ExecutorSizing(catalog.find("m5.4xlarge").orElseThrow(), 3, 5, 3, 17193, 1911, 8, 80),
                sizing);
        assertEquals(new ExecutorSizing.Fit(true, "8 executors + driver use 171936 of 172032 MB and 45 of 45 cores"),
                sizing.fits());
    }

    @Test
    void smallNodesGiveOneExecutorOfAllButOneCore() {
        // 4 vCPU: one executor of 3 cores; 12288 MB: 11059 heap + 1229 overhead; 2 - 1 = 1 instance.
        ExecutorSizing sizing = size("m5.xlarge", 2);
        assertEquals(new ExecutorSizing(catalog.find("m5.xlarge").orElseThrow(), 2, 3, 1, 11059, 1229, 1, 6),
                sizing);
    }

    @Test
    void oneNodeOfOneSlotLeavesNothingForExecutors() {
        ExecutorSizing sizing = size("m5.2xlarge", 1);
        assertEquals(0, sizing.instances());
        assertEquals(new ExecutorSizing.Fit(false, "1 x m5.2xlarge hold 1 executor slot(s), all taken by the driver;"
                + " use more --nodes or a larger --instance-type"), sizing.fits());
    }
}
