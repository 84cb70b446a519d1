#!/usr/bin/env bash
# Creates (or updates) the EventBridge Scheduler schedule that adds the hourly orders steps to a running
# EMR cluster. Needs the AWS CLI and jq, and a role the scheduler assumes with elasticmapreduce:AddJobFlowSteps
# on the cluster. --dry-run prints the schedule (the create-schedule input) instead of sending it.
#   submit/emr/schedule.sh [--dry-run] CLUSTER_ID SCHEDULER_ROLE_ARN JAR_URI CONFIG_URI
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dry_run=false
if [[ ${1:-} == --dry-run ]]; then
  dry_run=true
  shift
fi
if [[ $# -ne 4 ]]; then
  sed -n '2,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
cluster=$1 role=$2 jar=$3 config=$4
# The Scheduler's universal target calls the EMR API itself, so the steps go in the API's StepConfig form.
steps="$(jq -c --arg jar "$jar" --arg config "$config" \
  'map(.HadoopJarStep.Args |= map(if . == "s3://CHANGE-ME/sluice/sluice.jar" then $jar
                                   elif . == "s3://CHANGE-ME/sluice/emr.yaml" then $config else . end))' \
  "$here/hourly-steps-api.json")"
input="$(jq -cn --arg cluster "$cluster" --argjson steps "$steps" '{JobFlowId: $cluster, Steps: $steps}')"
schedule="$(jq --arg input "$input" --arg role "$role" \
  '.Target.Input = $input | .Target.RoleArn = $role' "$here/hourly-schedule.json")"
if [[ $dry_run == true ]]; then
  printf '%s\n' "$schedule"
  exit 0
fi
if aws scheduler get-schedule --name sluice-orders-hourly >/dev/null 2>&1; then
  aws scheduler update-schedule --cli-input-json "$schedule"
else
  aws scheduler create-schedule --cli-input-json "$schedule"
fi
echo "schedule sluice-orders-hourly: parse + repartition of orders on $cluster every hour at :05 UTC"
