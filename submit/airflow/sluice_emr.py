"""Sluice on EMR, hourly: parse -> distribute -> publish -> status, one run per dataset at a time.

Each step is an EMR step (spark-submit of the Sluice jar) added to a running cluster, and a step sensor waits for it;
a failed step fails its task and the run stops there. `status` exits 1 when a threshold is crossed, which fails the
last step: the alert. Set the Airflow Variable `sluice_emr_cluster_id` (or edit CLUSTER_ID) and the S3 paths below.
Providers: apache-airflow-providers-amazon.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor

CLUSTER_ID = "{{ var.value.get('sluice_emr_cluster_id', 'j-CHANGEME') }}"
JAR = "s3://CHANGE-ME/sluice/sluice.jar"
CONFIG = "s3://CHANGE-ME/sluice/emr.yaml"
# Datasets of the config, and whether each declares gold tables (publish needs at least one).
DATASETS = {"events": True, "orders": False}
# Thresholds of the last step: crossing one fails the run.
STATUS_THRESHOLDS = ["--max-lag", "PT2H", "--max-pending-age", "PT1H", "--max-quarantine-ratio", "0.01"]


def emr_step(command: list[str], dataset: str) -> dict:
    """An EMR step that runs one sluice command on the cluster, in cluster deploy mode."""
    return {
        "Name": f"sluice {command[0]} {dataset}",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["spark-submit", "--deploy-mode", "cluster", "--class", "io.sluice.cli.Sluice", JAR,
                     *command, "--dataset", dataset, "--config", CONFIG],
        },
    }


def pipeline(dataset: str, gold: bool) -> DAG:
    commands = [["parse"], ["distribute"]] + ([["publish"]] if gold else []) + [["status", *STATUS_THRESHOLDS]]
    dag = DAG(
        dag_id=f"sluice_emr_{dataset}",
        description=f"sluice parse, distribute, publish, status for {dataset} on EMR",
        schedule="15 * * * *",
        start_date=datetime(2024, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
        tags=["sluice", "emr"],
    )
    previous = None
    with dag:
        for command in commands:
            step = command[0]
            add = EmrAddStepsOperator(task_id=step, job_flow_id=CLUSTER_ID, steps=[emr_step(command, dataset)])
            done = EmrStepSensor(
                task_id=f"{step}_done",
                job_flow_id=CLUSTER_ID,
                step_id="{{ task_instance.xcom_pull(task_ids='" + step + "')[0] }}",
                poke_interval=30,
                timeout=2 * 3600,
            )
            add >> done
            if previous is not None:
                previous >> add
            previous = done
    return dag


for _name, _gold in DATASETS.items():
    globals()[f"sluice_emr_{_name}"] = pipeline(_name, _gold)
