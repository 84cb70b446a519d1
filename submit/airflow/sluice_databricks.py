"""Sluice on Databricks, hourly: parse -> distribute -> publish -> status, one run per dataset at a time.

Each step runs the job submit/databricks/sluice-step-job.json (one JAR task on a job cluster) with the step's
parameters, and waits for it: a failed run fails its task and the DAG run stops there. `status` exits 1 when a
threshold is crossed, which fails the last run: the alert. Set the Airflow Variable `sluice_databricks_step_job_id`
to the id `databricks jobs create --json @submit/databricks/sluice-step-job.json` printed, and the connection
`databricks_default`. Providers: apache-airflow-providers-databricks.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator

JOB_ID = "{{ var.value.get('sluice_databricks_step_job_id', '0') }}"
CONFIG = "/Workspace/sluice/databricks.yaml"
DATASETS = {"events": True, "orders": False}
STATUS_THRESHOLDS = ["--max-lag", "PT2H", "--max-pending-age", "PT1H", "--max-quarantine-ratio", "0.01"]


def pipeline(dataset: str, gold: bool) -> DAG:
    commands = [["parse"], ["distribute"]] + ([["publish"]] if gold else []) + [["status", *STATUS_THRESHOLDS]]
    dag = DAG(
        dag_id=f"sluice_databricks_{dataset}",
        description=f"sluice parse, distribute, publish, status for {dataset} on Databricks",
        schedule="15 * * * *",
        start_date=datetime(2024, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
        tags=["sluice", "databricks"],
    )
    previous = None
    with dag:
        for command in commands:
            run = DatabricksRunNowOperator(
                task_id=command[0],
                job_id=JOB_ID,
                jar_params=[*command, "--dataset", dataset, "--config", CONFIG],
                polling_period_seconds=30,
                timeout=timedelta(hours=2),
            )
            if previous is not None:
                previous >> run
            previous = run
    return dag


for _name, _gold in DATASETS.items():
    globals()[f"sluice_databricks_{_name}"] = pipeline(_name, _gold)
