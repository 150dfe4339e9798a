#!/usr/bin/env bash
# make deploy: build model.tar.gz, upload it, resolve the Hugging Face DLC image, sam build, sam deploy.
# Without our archive as ModelDataUrl the endpoint would never run code/inference.py.
#
#   ARTIFACT_BUCKET=my-bucket make deploy            # required: an S3 bucket in the deploy region
#   STACK_NAME=precis AWS_REGION=eu-west-1 INSTANCE_TYPE=ml.g5.xlarge IMAGE_URI=... make deploy
#   PARAMETER_OVERRIDES="MaxInstanceCount=2 AlarmTopicArn=arn:..." make deploy
#   PARAMETER_OVERRIDES="SubmitReservedConcurrency=20" make deploy  # checked against the account first
#   CHECK_QUOTA=0 make deploy   # skip the endpoint instance quota check (it needs servicequotas:List*)
#   MODEL_WEIGHTS=path/to/transformers-model make deploy  # ship weights, so scale-out never needs the Hub
#   DEPLOY_ARGS="--no-confirm-changeset" make deploy  # extra `sam deploy` flags (also: scripts/deploy.sh ARGS)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-venvs.sh

fail() {
  echo "deploy: $*" >&2
  exit 2
}

STACK_NAME=${STACK_NAME:-precis}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
ARCHIVE=build/model.tar.gz
PRECIS=.venv/bin/precis
AWS=.venv/bin/aws

# Bucket names are "<stack>-output-<account>-<region>": lowercase, and at most 63 characters.
[[ "$STACK_NAME" =~ ^[a-z][a-z0-9-]{0,27}$ ]] ||
  fail "STACK_NAME='$STACK_NAME' must be lowercase letters, digits and '-', at most 28 characters (it names the buckets)."
[[ -n "${ARTIFACT_BUCKET:-}" ]] ||
  fail "set ARTIFACT_BUCKET to an S3 bucket in the deploy region; the model archive is uploaded there (e.g. ARTIFACT_BUCKET=my-artifacts make deploy)."
[[ -x "$PRECIS" && -x "$AWS" ]] || fail "$PRECIS or $AWS is missing: run 'make venv' first."
if [[ -z "$REGION" ]]; then
  REGION=$("$AWS" configure get region 2>/dev/null || true)
fi
[[ -n "$REGION" ]] || fail "no AWS region: set AWS_REGION or configure a default region for your profile."
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION

if ! identity=$("$AWS" sts get-caller-identity --query Arn --output text 2>&1); then
  fail "no usable AWS credentials ($identity). Configure a profile or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN."
fi
echo "deploy: stack $STACK_NAME in $REGION as $identity"

bucket_region=$("$AWS" s3api get-bucket-location --bucket "$ARTIFACT_BUCKET" --query LocationConstraint --output text 2>&1) ||
  fail "cannot read bucket $ARTIFACT_BUCKET: $bucket_region"
# get-bucket-location answers None (or null) for us-east-1.
[[ "$bucket_region" == "None" || "$bucket_region" == "null" ]] && bucket_region=us-east-1
[[ "$bucket_region" == "$REGION" ]] ||
  fail "ARTIFACT_BUCKET is in $bucket_region but the stack deploys to $REGION; SageMaker reads model data from its own region only."

# A reservation the account cannot give fails the stack update late and rolls it back: check it now.
reserve=""
max_instances=""
quota_type=${INSTANCE_TYPE:-}
# shellcheck disable=SC2086
for override in ${PARAMETER_OVERRIDES:-}; do
  case "$override" in
    SubmitReservedConcurrency=*) reserve=${override#*=} ;;
    MaxInstanceCount=*) max_instances=${override#*=} ;;
    InstanceType=*) quota_type=${override#*=} ;; # sam takes PARAMETER_OVERRIDES last
  esac
done
if [[ -n "$reserve" && "$reserve" != 0 ]]; then
  [[ "$reserve" =~ ^[0-9]+$ ]] || fail "SubmitReservedConcurrency=$reserve must be a whole number (0: no reservation)."
  "$PRECIS" check-concurrency --stack "$STACK_NAME" --region "$REGION" --reserve "$reserve" || exit 2
fi

# An endpoint instance quota below what the stack may run fails CreateEndpoint after minutes, or a
# scale-out silently: check "<InstanceType> for endpoint usage" now (CHECK_QUOTA=0 skips the check).
if [[ "${CHECK_QUOTA:-1}" != 0 ]]; then
  quota_args=(--region "$REGION" --stack "$STACK_NAME")
  [[ -n "$quota_type" ]] && quota_args+=(--instance-type "$quota_type")
  if [[ -n "$max_instances" ]]; then
    [[ "$max_instances" =~ ^[1-9][0-9]*$ ]] || fail "MaxInstanceCount=$max_instances must be a whole number of at least 1."
    quota_args+=(--max-instances "$max_instances")
  fi
  "$PRECIS" check-quota "${quota_args[@]}" || exit 2
fi

echo "== package the model"
mkdir -p build
package_args=(--output "$ARCHIVE")
if [[ -n "${MODEL_WEIGHTS:-}" ]]; then
  [[ -f "$MODEL_WEIGHTS/config.json" ]] || fail "MODEL_WEIGHTS=$MODEL_WEIGHTS has no config.json (a transformers model directory)."
  package_args+=(--weights "$MODEL_WEIGHTS")
fi
"$PRECIS" package-model "${package_args[@]}"

# Content-addressed key: a changed archive gets a new ModelDataUrl, so CloudFormation replaces the
# Model and rolls the endpoint; an unchanged one leaves the stack as it is.
digest=$(sha256sum "$ARCHIVE" | cut -c1-16)
MODEL_DATA_URL="s3://$ARTIFACT_BUCKET/$STACK_NAME/model-$digest.tar.gz"
echo "== upload $ARCHIVE -> $MODEL_DATA_URL"
"$AWS" s3 cp "$ARCHIVE" "$MODEL_DATA_URL" --sse AES256 --only-show-errors

overrides=("ModelDataUrl=$MODEL_DATA_URL")
if [[ -n "${INSTANCE_TYPE:-}" ]]; then
  overrides+=("InstanceType=$INSTANCE_TYPE")
fi
if [[ -z "${IMAGE_URI:-}" ]]; then
  instance_type=${INSTANCE_TYPE:-$(.venv/bin/python -c '
import yaml
class Loader(yaml.SafeLoader):
    pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
print(yaml.load(open("template.yaml"), Loader=Loader)["Parameters"]["InstanceType"]["Default"])')}
  if IMAGE_URI=$("$PRECIS" image-uri --region "$REGION" --instance-type "$instance_type"); then
    echo "deploy: image $IMAGE_URI"
  else
    IMAGE_URI=""
    echo "deploy: 'precis image-uri' could not resolve the DLC (install the extra: .venv/bin/pip install -e '.[sagemaker]');" \
      "using the template's default huggingface-pytorch-inference image for $REGION." >&2
  fi
fi
if [[ -n "$IMAGE_URI" ]]; then
  overrides+=("ImageUri=$IMAGE_URI")
fi
# Word splitting is intended: PARAMETER_OVERRIDES holds space-separated Key=Value pairs.
# shellcheck disable=SC2206
overrides+=(${PARAMETER_OVERRIDES:-})

echo "== sam build"
scripts/build.sh

echo "== sam deploy"
# shellcheck disable=SC2086
"$SAM_VENV/bin/sam" deploy \
  --stack-name "$STACK_NAME" \
  --region "$REGION" \
  --parameter-overrides "${overrides[@]}" \
  ${DEPLOY_ARGS:-} "$@"
