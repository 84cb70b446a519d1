#!/usr/bin/env bash
# EMR bootstrap action: writes the pseudonymisation key from AWS Secrets Manager to /etc/sluice/pii.key,
# readable only by the user Spark runs as, where conf/emr.yaml's personalDataKeyFile points. The key never
# appears in a step's arguments or in the config.
#   --bootstrap-actions Path=s3://CHANGE-ME/sluice/bootstrap-pii-key.sh,Args=[SECRET_ID]
set -euo pipefail
secret_id=${1:?give the Secrets Manager secret id holding the key}
sudo mkdir -p /etc/sluice
aws secretsmanager get-secret-value --secret-id "$secret_id" --query SecretString --output text \
  | sudo tee /etc/sluice/pii.key >/dev/null
sudo chown hadoop:hadoop /etc/sluice/pii.key
sudo chmod 0400 /etc/sluice/pii.key
