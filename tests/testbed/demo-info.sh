#!/usr/bin/env bash
# Print how to reach the demo cluster that `make demo` left running.
set -euo pipefail
scenario=${1:-kraft}
nodes=$(docker ps --filter "label=molecule_scenario=$scenario" --format '{{.Names}}' 2>/dev/null | sort)
[ -n "$nodes" ] || nodes=$(docker ps --format '{{.Names}}' | grep "^$scenario-" | sort)
[ -n "$nodes" ] || { echo "demo: no running containers for scenario $scenario" >&2; exit 1; }
bootstrap=""
for n in $nodes; do
  ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$n")
  bootstrap+="${bootstrap:+,}$ip:9092"
done
first=$(echo "$nodes" | head -n1)
# The newest ephemeral inventory of this scenario is the one molecule just converged.
inventory=$(ls -td "$HOME"/.ansible/tmp/molecule.*."$scenario"/inventory 2>/dev/null | head -n1 || true)
echo
echo "Kafka is running on: $(echo $nodes)"
docker exec "$first" /opt/kafka/current/bin/kafka-metadata-quorum.sh --bootstrap-server localhost:9092 describe --status |
  sed 's/^/  /'
cat <<INFO

Bootstrap servers (from this machine): $bootstrap
A shell on a node:       docker exec -it $first bash
List topics:             docker exec $first /opt/kafka/current/bin/kafka-topics.sh --bootstrap-server localhost:9092 --list
Re-run the deployment:   STREAMOPS_CACHE=${STREAMOPS_CACHE:-.cache} ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-.cache/collections} \\
                           .venv/bin/ansible-playbook -i ${inventory:-<molecule inventory>} streamops.kafka.site
Remove the demo:         make demo-destroy
INFO
