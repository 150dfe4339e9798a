#!/usr/bin/env bash
# make validate: sam validate --lint, cfn-lint on the SAM-translated template, checkov on both.
# cfn-lint alone validates SAM resources in place and misses what the transform generates (an S3
# event's permission and notification are where the circular dependency shows up), hence the translation.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-venvs.sh

TEMPLATE=${TEMPLATE:-template.yaml}
TRANSLATED=${TRANSLATED:-build/template.cfn.json}
# Validation never calls AWS; the region only names the partition for the translation and the linter.
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}

ensure_venv "$SAM_VENV" "${SAM_TOOLS[@]}"
ensure_venv "$CHECKOV_VENV" "${CHECKOV_TOOLS[@]}"

echo "== sam validate --lint"
"$SAM_VENV/bin/sam" validate --lint --template-file "$TEMPLATE" --region "$REGION"

echo "== translate SAM -> CloudFormation"
"$SAM_VENV/bin/python" scripts/translate_sam.py "$TEMPLATE" --output "$TRANSLATED" --region "$REGION"

echo "== cfn-lint (translated)"
"$SAM_VENV/bin/cfn-lint" --regions "$REGION" -- "$TRANSLATED"
echo "cfn-lint: no findings"

echo "== checkov (source and translated; every skip is justified in the template's Metadata)"
"$CHECKOV_VENV/bin/checkov" --framework cloudformation --skip-download --quiet --compact \
  -f "$TEMPLATE" -f "$TRANSLATED"
echo "validate: ok"
