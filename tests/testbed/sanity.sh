#!/usr/bin/env bash
# ansible-test sanity on the tracked tree. ansible-test wants the collection under ansible_collections/<ns>/<name>
# and bootstraps pip in its venvs from a host this machine cannot reach; we give it a bootstrap that uses ensurepip.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${STREAMOPS_CACHE:-$repo/.cache}
stage=$cache/sanity/ansible_collections/streamops/kafka
# Each ansible-core release bootstraps its own pip (ansible-test's get_venv_packages): ask the ansible-test on PATH which.
pip_version=$(python3 - <<'PY'
import sys
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version='%d.%d' % sys.version_info[:2]))['pip'])
PY
) || { echo "sanity: cannot tell which pip the ansible-test on PATH bootstraps" >&2; exit 1; }
bootstrap=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p "${bootstrap%/*}"
cat >"$bootstrap" <<'PY'
# streamops test bed: stand-in for ansible-test's get-pip download: ensurepip, then the requested pip from PyPI.
import ensurepip, os, subprocess, sys
ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if not a.startswith("--")] or ["pip"]
cert = ["--cert", os.environ["PIP_CERT"]] if os.environ.get("PIP_CERT") else []
if not cert and os.path.exists("/etc/ssl/certs/ca-certificates.crt"):
    cert = ["--cert", "/etc/ssl/certs/ca-certificates.crt"]
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"] + cert + args)
PY
rm -rf "$stage"
mkdir -p "$stage"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -c) | tar -x -C "$stage"
cd "$stage"
git init -q && git add -A
tests=(ansible-doc compile pep8 runtime-metadata shebang validate-modules yamllint line-endings symlinks empty-init
       no-smart-quotes use-argspec-type-path no-assert replace-urlopen use-compat-six no-get-exception
       action-plugin-docs no-illegal-filenames ignores)
args=()
for t in "${tests[@]}"; do args+=(--test "$t"); done
ansible-test sanity --local --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" "${args[@]}"
