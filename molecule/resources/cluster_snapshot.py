"""Test helper: write what a cluster holds that a migration must carry to a JSON file - every topic that is not
internal (partitions, replication factor, the configs set on the topic itself) and the SCRAM credentials of the named
users (mechanism -> iterations). Run on the test host with kafka-python, against the brokers' PLAINTEXT listeners."""
import argparse
import json

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType


def snapshot(admin, users):
    topics = {}
    for topic in admin.describe_topics():
        if topic.get("is_internal") or topic["name"].startswith("__"):
            continue
        parts = topic.get("partitions") or []
        topics[topic["name"]] = dict(partitions=len(parts), replication_factor=len(parts[0].get("replica_nodes") or []) if parts else 0)
    if topics:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in sorted(topics)])
        for name, configs in described.get("topic", {}).items():
            topics[name]["configs"] = dict((key, entry.get("value")) for key, entry in sorted(configs.items())
                                           if entry.get("config_source") == "DYNAMIC_TOPIC_CONFIG")
    scram = {}
    for user, entry in admin.describe_user_scram_credentials(users).items():
        scram[user] = dict((info["mechanism"].name.replace("_", "-"), info["iterations"]) for info in entry.get("credential_infos") or [])
    return dict(topics=topics, scram_users=scram)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--users", default="", help="comma-separated user names")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), client_id="streamops-snapshot")
    try:
        data = snapshot(admin, [u for u in args.users.split(",") if u])
    finally:
        admin.close()
    with open(args.out, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
