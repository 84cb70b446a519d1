package io.sluice.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Airflow DAGs in submit/airflow load and chain parse, distribute, publish and status per dataset, one run at a
 * time (submit/airflow/check_dags.py; with Airflow's DagBag where Airflow is installed).
 */
class AirflowDagsTest {
    @Test
    void dagsLoadAndChainTheStepsPerDataset() throws IOException, InterruptedException {
        Process python = new ProcessBuilder("python3", "-B", "submit/airflow/check_dags.py").redirectErrorStream(true)
                .start();
        assertTrue(python.waitFor(120, TimeUnit.SECONDS), "check_dags.py finished");
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, python.exitValue(), out);
        assertTrue(out.startsWith("4 DAGs loaded with "), out);
        assertTrue(out.contains("sluice_emr_events (parse > parse_done > distribute > distribute_done > publish >"
                + " publish_done > status > status_done)"), out);
        assertTrue(out.contains("sluice_databricks_events (parse > distribute > publish > status)"), out);
    }
}
