#!/usr/bin/env bash
# make build: sam build for the python3.12 runtime of template.yaml, without Docker.
# sam's Python builder needs an interpreter of the runtime's version on PATH; this finds one
# (python3.12 on PATH, else a pyenv 3.12.x) instead of relying on the shell's pyenv setup.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tool-venvs.sh

RUNTIME_PYTHON=python3.12

find_runtime_python() {
  if command -v "$RUNTIME_PYTHON" >/dev/null 2>&1 && "$RUNTIME_PYTHON" -c 'import sys' 2>/dev/null; then
    dirname "$(command -v "$RUNTIME_PYTHON")"
    return 0
  fi
  local root candidate
  root=$( (command -v pyenv >/dev/null 2>&1 && pyenv root) || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  candidate=$(find "$root/versions" -maxdepth 3 -path "*/versions/3.12.*/bin/$RUNTIME_PYTHON" 2>/dev/null |
    sort -V -r | head -n 1)
  [[ -n "$candidate" ]] || return 1
  dirname "$candidate"
}

if ! runtime_bin=$(find_runtime_python); then
  echo "build: no $RUNTIME_PYTHON found (PATH or pyenv). Install Python 3.12, e.g. 'pyenv install 3.12'." >&2
  exit 2
fi
export PATH="$runtime_bin:$PATH"
echo "build: $RUNTIME_PYTHON from $runtime_bin"

ensure_venv "$SAM_VENV" "${SAM_TOOLS[@]}"
"$SAM_VENV/bin/sam" build --template-file template.yaml "$@"
