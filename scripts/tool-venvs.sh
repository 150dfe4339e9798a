# shellcheck shell=bash disable=SC2034
# Sourced by the scripts under scripts/: the SAM CLI and checkov each live in their own venv,
# because aws-sam-cli pins boto3 exactly and checkov pins another one; neither may touch .venv.
# Pinned so that a fresh CI machine validates with the tools these results were produced with.
SAM_VENV=${SAM_VENV:-.venv-sam}
CHECKOV_VENV=${CHECKOV_VENV:-.venv-checkov}
SAM_TOOLS=("aws-sam-cli==1.170.0" "cfn-lint==1.58.0")
CHECKOV_TOOLS=("checkov==3.3.30")
export SAM_CLI_TELEMETRY=0

# ensure_venv DIR PACKAGE...: create DIR with PACKAGE... unless it already has them.
ensure_venv() {
  local dir=$1 stamp
  shift
  stamp="$dir/.precis-tools"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$*" ]]; then
    return 0
  fi
  echo "installing $* into $dir"
  local python=${TOOLS_PYTHON:-python3}
  "$python" -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
  echo "$*" >"$stamp"
}
