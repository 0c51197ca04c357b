#!/usr/bin/env bash
# ssh-proxy.sh CONTAINER: the ProxyCommand through which Ansible (and testinfra) reach a scenario's container.
# It starts sshd in inetd mode inside the container over `docker exec -i`, trusting only the test bed's own key
# ($STREAMOPS_CACHE/ssh/id_ed25519, made by prepare.sh). With ssh's ControlPersist, a host costs one `docker exec` per
# connection instead of one or more per task: every `docker exec` makes runc set up a process in the container, and on
# this 2-core machine that was about a quarter of a scenario's CPU.
set -euo pipefail
container=${1:?usage: ssh-proxy.sh CONTAINER}
cache=${STREAMOPS_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.cache}
pub=$cache/ssh/id_ed25519.pub
[ -s "$pub" ] || { echo "ssh-proxy: no test bed key $pub: run tests/testbed/prepare.sh <scenario> (make molecule does)" >&2; exit 1; }
key=$(cat "$pub")
# shellcheck disable=SC2016  # $@ is expanded by the container's shell
exec docker exec -i "$container" /bin/sh -c 'mkdir -p /run/sshd && exec /usr/sbin/sshd -i "$@"' sshd \
  -o AuthorizedKeysFile=none -o "AuthorizedKeysCommand=/bin/echo $key" -o AuthorizedKeysCommandUser=nobody \
  -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o UseDNS=no -o PrintMotd=no
