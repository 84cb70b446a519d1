"""Loads the Sluice DAGs and checks their shape: parse -> distribute -> publish -> status, one run at a time.

With Airflow and its amazon and databricks providers installed (python -m pip install apache-airflow
apache-airflow-providers-amazon apache-airflow-providers-databricks), the DAGs are loaded by Airflow's own DagBag.
Without Airflow, the operators are replaced by recording stand-ins, which checks the DAG files' own logic (task
order, step arguments, concurrency) but not that Airflow accepts them; the output says which one ran.

Usage: python3 submit/airflow/check_dags.py
"""
from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = ["sluice_emr.py", "sluice_databricks.py"]


class _Task:
    def __init__(self, task_id: str, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        self.downstream_task_ids: set[str] = set()
        _Dag.current.tasks.append(self)

    def __rshift__(self, other: "_Task") -> "_Task":
        self.downstream_task_ids.add(other.task_id)
        return other


class _Dag:
    current: "_Dag"

    def __init__(self, dag_id: str, **kwargs):
        self.dag_id = dag_id
        self.max_active_runs = kwargs.get("max_active_runs")
        self.tasks: list[_Task] = []

    def __enter__(self):
        _Dag.current = self
        return self

    def __exit__(self, *exc):
        return False


def _stub_airflow() -> None:
    modules = {
        "airflow": {"DAG": _Dag},
        "airflow.providers": {},
        "airflow.providers.amazon": {},
        "airflow.providers.amazon.aws": {},
        "airflow.providers.amazon.aws.operators": {},
        "airflow.providers.amazon.aws.operators.emr": {"EmrAddStepsOperator": type("EmrAddStepsOperator", (_Task,), {})},
        "airflow.providers.amazon.aws.sensors": {},
        "airflow.providers.amazon.aws.sensors.emr": {"EmrStepSensor": type("EmrStepSensor", (_Task,), {})},
        "airflow.providers.databricks": {},
        "airflow.providers.databricks.operators": {},
        "airflow.providers.databricks.operators.databricks": {
            "DatabricksRunNowOperator": type("DatabricksRunNowOperator", (_Task,), {})},
    }
    for name, attributes in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        sys.modules[name] = module


def _load_with_stubs() -> dict:
    _stub_airflow()
    dags = {}
    for file in FILES:
        spec = importlib.util.spec_from_file_location(file[:-3], HERE / file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        dags.update({d.dag_id: d for d in vars(module).values() if isinstance(d, _Dag)})
    return dags


def _load_with_airflow() -> dict:
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(HERE), include_examples=False)
    if bag.import_errors:
        raise SystemExit(f"Airflow could not load the DAGs: {bag.import_errors}")
    return bag.dags


def _chain(dag) -> list[str]:
    """The task ids in order, for a DAG whose tasks form one chain."""
    tasks = {t.task_id: t for t in dag.tasks}
    heads = set(tasks) - {d for t in tasks.values() for d in t.downstream_task_ids}
    assert len(heads) == 1, f"{dag.dag_id}: one first task, got {sorted(heads)}"
    order = [heads.pop()]
    while tasks[order[-1]].downstream_task_ids:
        following = tasks[order[-1]].downstream_task_ids
        assert len(following) == 1, f"{dag.dag_id}: {order[-1]} is followed by {sorted(following)}"
        order.append(next(iter(following)))
    assert len(order) == len(tasks), f"{dag.dag_id}: tasks off the chain: {set(tasks) - set(order)}"
    return order


def main() -> int:
    try:
        import airflow  # noqa: F401
        dags, how = _load_with_airflow(), "Airflow's DagBag"
    except ImportError:
        dags, how = _load_with_stubs(), "recording stand-ins (Airflow is not installed here)"
    expected = {
        "sluice_emr_events": ["parse", "parse_done", "distribute", "distribute_done", "publish", "publish_done",
                              "status", "status_done"],
        "sluice_emr_orders": ["parse", "parse_done", "distribute", "distribute_done", "status", "status_done"],
        "sluice_databricks_events": ["parse", "distribute", "publish", "status"],
        "sluice_databricks_orders": ["parse", "distribute", "status"],
    }
    assert sorted(dags) == sorted(expected), f"DAGs: {sorted(dags)}"
    for dag_id, order in expected.items():
        dag = dags[dag_id]
        assert dag.max_active_runs == 1, f"{dag_id}: one run per dataset at a time"
        assert _chain(dag) == order, f"{dag_id}: {_chain(dag)}"
    dataset_args = dags["sluice_emr_events"].tasks[0].__dict__
    if "kwargs" in dataset_args:
        args = dags["sluice_emr_events"].tasks[0].kwargs["steps"][0]["HadoopJarStep"]["Args"]
        assert args[:5] == ["spark-submit", "--deploy-mode", "cluster", "--class", "io.sluice.cli.Sluice"], args
        assert args[6:10] == ["parse", "--dataset", "events", "--config"], args
        status = dags["sluice_databricks_events"].tasks[3].kwargs["jar_params"]
        assert status[:3] == ["status", "--max-lag", "PT2H"] and "--dataset" in status, status
    print(f"{len(dags)} DAGs loaded with {how}: " + ", ".join(f"{d} ({' > '.join(expected[d])})" for d in sorted(dags)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
