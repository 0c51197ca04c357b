"""Test helper: write what a cluster holds that a migration must carry to a JSON file - every topic that is not
internal (partitions, replication factor, the configs set on the topic itself), the SCRAM credentials of the named
users (mechanism -> iterations) and, with --acls, every ACL. Run on the test host with kafka-python, logged in with the
options of --security-file (a JSON file of kafka-python options, as the canary's) when the listeners want it."""
import argparse
import json

from kafka import KafkaAdminClient
from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, ConfigResource, ConfigResourceType,
                         ResourcePatternFilter, ResourceType)


def acls(admin):
    """Every ACL as sorted [resource type, name, pattern type, principal, host, operation, permission] lists."""
    found, _ = admin.describe_acls(ACLFilter(principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                                             resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
    return sorted([a.resource_pattern.resource_type.name, a.resource_pattern.resource_name, a.resource_pattern.pattern_type.name,
                   a.principal, a.host, a.operation.name, a.permission_type.name] for a in found)


def snapshot(admin, users, with_acls=False):
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
    out = dict(topics=topics, scram_users=scram)
    if with_acls:
        out["acls"] = acls(admin)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--users", default="", help="comma-separated user names")
    parser.add_argument("--acls", action="store_true", help="list every ACL too (the cluster runs an authorizer)")
    parser.add_argument("--security-file", help="JSON file of kafka-python security options")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    security = {}
    if args.security_file:
        with open(args.security_file) as handle:
            security = json.load(handle)
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), client_id="streamops-snapshot", **security)
    try:
        data = snapshot(admin, [u for u in args.users.split(",") if u], args.acls)
    finally:
        admin.close()
    with open(args.out, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
