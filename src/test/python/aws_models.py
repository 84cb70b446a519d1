"""Checks Sluice's EMR and EventBridge Scheduler files against the AWS CLI's and botocore's own models.

Nothing here talks to AWS: botocore's ParamValidator checks a request against the service model that the SDKs
and the CLI send requests with, and the AWS CLI's EMR customization turns its step form into the API's.

    python3 aws_models.py versions
    python3 aws_models.py api-steps FILE          # a StepConfig list, as AddJobFlowSteps' Steps
    python3 aws_models.py cli-steps-as-api FILE   # a CLI step list, built into StepConfigs by the CLI's own code
    python3 aws_models.py configurations FILE     # a Configurations list, as RunJobFlow's Configurations
    python3 aws_models.py schedule FILE           # a create-schedule input, and its Target.Input as AddJobFlowSteps

Prints the checked request (JSON) on stdout and exits 0 when valid; prints botocore's message and exits 1 when not.
"""
import json
import sys

import awscli
import botocore
import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator
from awscli.customizations.emr.exceptions import EmrError

CLUSTER_ID = "j-XXXXXXXXXXXXX"
RELEASE_LABEL = "emr-7.5.0"


def validate(service, operation, params):
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())
    return params


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def api_steps(path):
    return validate("emr", "AddJobFlowSteps", {"JobFlowId": CLUSTER_ID, "Steps": load(path)})


def cli_steps_as_api(path):
    from awscli.customizations.emr import steputils
    steps = steputils.build_step_config_list(parsed_step_list=load(path), region="us-east-1",
                                             release_label=RELEASE_LABEL)
    validate("emr", "AddJobFlowSteps", {"JobFlowId": CLUSTER_ID, "Steps": steps})
    return steps


def configurations(path):
    return validate("emr", "RunJobFlow", {"Name": "check", "ReleaseLabel": RELEASE_LABEL, "Instances": {},
                                          "Configurations": load(path)})


def schedule(path):
    request = validate("scheduler", "CreateSchedule", load(path))
    validate("emr", "AddJobFlowSteps", json.loads(request["Target"]["Input"]))
    return request


def main(argv):
    if argv[1:] == ["versions"]:
        print(json.dumps({"awscli": awscli.__version__, "botocore": botocore.__version__}))
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    check = {"api-steps": api_steps, "cli-steps-as-api": cli_steps_as_api, "configurations": configurations,
             "schedule": schedule}[argv[1]]
    try:
        print(json.dumps(check(argv[2])))
    except (ParamValidationError, EmrError, json.JSONDecodeError) as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
