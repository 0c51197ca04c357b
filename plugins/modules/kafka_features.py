#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_features
short_description: Read or raise the finalized feature levels of a KRaft cluster, such as metadata.version
description:
  - With O(state=describe), reads the finalized feature levels, the levels every live broker supports, and the
    finalized-features epoch. Only reads; never reports a change.
  - With O(state=upgrade), raises the named features (KIP-584, KIP-778) to the asked levels through the Admin API
    (UpdateFeatures to the controller), then waits until every live broker reports the new finalized levels.
  - Before sending anything it asks every live broker (ApiVersions, one broker at a time) which levels it supports,
    and fails, changing nothing, when an asked level is outside the range any of them supports.
  - A feature already finalized at the asked level is left alone, so a second run changes nothing. A level below
    the finalized one fails, changing nothing, unless O(allow_downgrade=safe).
  - Only the named features change. C(kraft.version) is never touched unless named in O(features) (unlike
    C(kafka-features.sh upgrade --release-version) on Kafka 4.x, which also raises C(kraft.version) and so turns a
    static controller quorum into a dynamic one, KAFKA-18979).
  - Raising C(metadata.version) is the point of no return for a rollback of the binaries. Once it is above what the
    old release supports, the old brokers and controllers cannot start on the metadata log. Raise it only after every
    node runs the new release and the cluster is healthy.
version_added: 0.7.0
author: streamops engineers (@streamops)
extends_documentation_fragment:
  - streamops.kafka.connection
  - streamops.kafka.wait
options:
  state:
    description:
      - V(describe) reads the feature levels.
      - V(upgrade) raises the levels given in O(features) and O(metadata_version).
    type: str
    choices: [describe, upgrade]
    default: describe
  features:
    description:
      - 'Feature name to the finalized level wanted, for example C({"group.version": 1, "transaction.version": 2}).'
      - Level 0 means the feature is off; asking 0 for a finalized feature is a downgrade.
    type: dict
  metadata_version:
    description:
      - The C(metadata.version) wanted, as a release (V(3.9), which means that release's latest metadata version,
        or V(3.9.2), the same) or a release and internal version (V(3.9-IV0)).
      - The module knows the releases 3.3 to 4.3 (feature levels 4 to 30). For a newer one, give the level in
        O(features) as C(metadata.version).
    type: str
  allow_downgrade:
    description:
      - V(never) fails when an asked level is below the finalized one.
      - V(safe) sends such a level as a safe downgrade, which the controller refuses when it could lose metadata
        (for C(metadata.version) it nearly always does). Unsafe downgrades are never sent.
    type: str
    choices: [never, safe]
    default: never
  dry_run:
    description:
      - Ask the controller to validate the update (C(validate_only)) without applying it, and report what would
        change. Check mode does the same.
    type: bool
    default: false
notes:
  - Check mode validates the update on the controller and reports C(changed=true) when something would change.
  - O(timeout) and O(sleep) bound the wait, after an update, for every live broker to report the new levels.
  - Talks to broker listeners only (O(bootstrap_servers)); controllers validate what brokers forward to them.
'''

EXAMPLES = r'''
- name: Read the feature levels
  streamops.kafka.kafka_features:
    bootstrap_servers: ["{{ inventory_hostname }}:9092"]
  register: features

- name: After every node runs 3.9, finalize metadata.version 3.9 (no rollback to older binaries after this)
  streamops.kafka.kafka_features:
    bootstrap_servers: ["{{ inventory_hostname }}:9092"]
    state: upgrade
    metadata_version: "3.9"
  run_once: true

- name: See what raising group.version and transaction.version would do, without doing it
  streamops.kafka.kafka_features:
    bootstrap_servers: [kafka1:9092, kafka2:9092, kafka3:9092]
    state: upgrade
    features:
      group.version: 1
      transaction.version: 2
    dry_run: true
'''

RETURN = r'''
elapsed:
  description: Seconds from the first read to the answer, the wait for the new levels included.
  returned: always
  type: float
  sample: 0.73
attempts:
  description: Polls made while waiting for every broker to report the new levels (0 when nothing was sent).
  returned: always
  type: int
  sample: 2
finalized:
  description: Finalized level per feature, as the live brokers report them now (after any update).
  returned: always
  type: dict
  sample: {metadata.version: 21}
supported:
  description: Range of levels every live broker supports, per feature (the intersection of their ranges).
  returned: always
  type: dict
  sample: {metadata.version: {min: 1, max: 21}, kraft.version: {min: 0, max: 1}}
epoch:
  description: Finalized-features epoch (the highest the brokers report); null when unknown.
  returned: always
  type: int
  sample: 35
metadata_version:
  description:
    - The finalized C(metadata.version) as a release string, from C(3.0-IV1) (a log without a metadata.version record)
      to the newest release the module knows; C(level N) for a newer level; null when none is finalized.
  returned: always
  type: str
  sample: 3.9-IV0
brokers:
  description: Ids of the live brokers asked.
  returned: always
  type: list
  elements: int
  sample: [1, 2, 3]
before:
  description: Finalized levels before any change.
  returned: when O(state=upgrade)
  type: dict
  sample: {metadata.version: 11}
after:
  description: Finalized levels after the change; in check mode or with O(dry_run), the levels the change would give.
  returned: when O(state=upgrade)
  type: dict
  sample: {metadata.version: 21}
updates:
  description: What was sent (or validated only) per feature, with the level and the update type.
  returned: when O(state=upgrade)
  type: dict
  sample: {metadata.version: {level: 21, type: upgrade}}
validate_only:
  description: True when the updates were only validated (check mode or O(dry_run)).
  returned: when O(state=upgrade)
  type: bool
  sample: false
'''

import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.streamops.kafka.plugins.module_utils._client import (
    BrokerClient, connection_argument_spec, connection_constraints, describe_error, kafka_errors, require_kafka, retry_after_reset)
from ansible_collections.streamops.kafka.plugins.module_utils._features import (
    METADATA_VERSION, metadata_version_level, metadata_version_name)
from ansible_collections.streamops.kafka.plugins.module_utils._wait import wait_argument_spec, wait_until


def wanted_levels(features, metadata_version):
    """{feature: level} from the features and metadata_version options; a conflict between them is an error."""
    wanted = {}
    for name, level in (features or {}).items():
        try:
            wanted[name] = int(level)
        except (TypeError, ValueError):
            raise ValueError('features.%s must be an integer level, got %r' % (name, level))
        if wanted[name] < 0:
            raise ValueError('features.%s must be 0 or more, got %s' % (name, level))
    if metadata_version:
        level = metadata_version_level(metadata_version)
        if wanted.get(METADATA_VERSION, level) != level:
            raise ValueError('metadata_version %s is level %s, but features sets metadata.version to %s' % (
                metadata_version, level, wanted[METADATA_VERSION]))
        wanted[METADATA_VERSION] = level
    if wanted.get(METADATA_VERSION) == 0:
        raise ValueError('metadata.version cannot be turned off (level 0)')
    return wanted


def summarize(by_broker):
    """Cluster view of per-broker answers: the supported range all share, finalized levels, highest epoch.

    A feature a broker does not list is unsupported there beyond level 0. Brokers catching up may disagree on
    finalized levels; the lowest one is what the whole cluster is known to run.
    """
    supported, finalized = {}, {}
    names = set()
    for answer in by_broker.values():
        names.update(answer['supported'])
        names.update(answer['finalized'])
    for name in sorted(names):
        ranges = [answer['supported'].get(name, (0, 0)) for answer in by_broker.values()]
        supported[name] = dict(min=max(r[0] for r in ranges), max=min(r[1] for r in ranges))
        levels = [answer['finalized'].get(name, 0) for answer in by_broker.values()]
        if min(levels) > 0:
            finalized[name] = min(levels)
    epochs = [answer['epoch'] for answer in by_broker.values() if answer['epoch'] is not None]
    return dict(finalized=finalized, supported=supported, epoch=max(epochs) if epochs else None,
                brokers=sorted(by_broker))


def plan_updates(wanted, by_broker, allow_downgrade):
    """Updates to send ({name: (UpdateFeatureType name, level)}) and the problems that forbid sending any."""
    view = summarize(by_broker)
    updates, problems = {}, []
    for name, level in sorted(wanted.items()):
        current = view['finalized'].get(name, 0)
        if level == current:
            continue
        if level < current and allow_downgrade != 'safe':
            problems.append('%s is finalized at %s; refusing to lower it to %s (downgrades need allow_downgrade=safe)' % (
                name, current, level))
            continue
        outside = ['broker %s supports %s-%s' % (b, a['supported'][name][0], a['supported'][name][1]) if name in a['supported']
                   else 'broker %s does not know it' % b
                   for b, a in sorted(by_broker.items())
                   if level > 0 and not (name in a['supported'] and a['supported'][name][0] <= level <= a['supported'][name][1])]
        if outside:
            problems.append('%s level %s is not supported: %s' % (name, level, ', '.join(outside)))
            continue
        updates[name] = ('UPGRADE' if level > current else 'SAFE_DOWNGRADE', level)
    return updates, problems


def refusal(exc):
    """The controller's own words from a request-level UpdateFeatures error (v2+ has no per-feature results).

    kafka-python raises it with the whole request and response in the message; keep the error class and error_message.
    """
    match = re.search(r"error_message='(.*?)'\)", str(exc))
    return '%s: %s' % (type(exc).__name__, match.group(1)) if match else describe_error(exc)


def failed_updates(results):
    return ['%s: %s' % (name, outcome) for name, outcome in sorted(results.items()) if outcome != 'OK']


class FinalizedCheck:
    """Predicate for wait_until: every live broker reports the asked levels as finalized."""

    def __init__(self, client, levels):
        self.client = client
        self.levels = levels

    def __call__(self):
        by_broker = self.client.broker_features()
        behind = ['broker %s has %s=%s' % (b, name, a['finalized'].get(name, 0))
                  for b, a in sorted(by_broker.items()) for name, level in sorted(self.levels.items())
                  if a['finalized'].get(name, 0) != level]
        state = summarize(by_broker)
        state['behind'] = behind
        return not behind, state


def upgrade(module, client, by_broker, start):
    p = module.params
    wanted = wanted_levels(p['features'], p['metadata_version'])
    view = summarize(by_broker)
    before = dict(view['finalized'])
    updates, problems = plan_updates(wanted, by_broker, p['allow_downgrade'])
    output = dict(view, before=before, after=dict(before), updates={}, validate_only=module.check_mode or p['dry_run'],
                  metadata_version=metadata_version_name(before.get(METADATA_VERSION)), attempts=0)
    if problems:
        module.fail_json(msg='kafka_features changed nothing: ' + '; '.join(problems), changed=False,
                         elapsed=round(time.monotonic() - start, 3), **output)
    output['updates'] = dict((name, dict(level=level, type=kind.lower().replace('_', ' '))) for name, (kind, level) in updates.items())
    after = dict(before)
    for name, (kind, level) in updates.items():
        if level:
            after[name] = level
        else:
            after.pop(name, None)
    output['after'] = after
    if not updates:
        module.exit_json(changed=False, elapsed=round(time.monotonic() - start, 3), **output)

    try:
        results = client.update_features(updates, validate_only=output['validate_only'], timeout_ms=p['request_timeout_ms'])
        failed = failed_updates(results)
    except kafka_errors.BrokerResponseError as exc:
        failed = ['%s: %s' % (', '.join(sorted(updates)), refusal(exc))]
    if failed:
        module.fail_json(msg='the controller refused the feature update%s: %s' % (
            ' (validate only)' if output['validate_only'] else '', '; '.join(failed)), changed=False,
            elapsed=round(time.monotonic() - start, 3), **dict(output, after=before))
    if output['validate_only']:
        module.exit_json(changed=True, elapsed=round(time.monotonic() - start, 3), **output)

    asked = dict((name, level) for name, (kind, level) in updates.items())
    result = wait_until(FinalizedCheck(client, asked), p['timeout'], p['sleep'], is_transient=retry_after_reset(client))
    state = result['state']
    output.update(attempts=result['attempts'], elapsed=round(time.monotonic() - start, 3))
    for key in ('finalized', 'supported', 'epoch', 'brokers'):
        if key in state:
            output[key] = state[key]
    output['metadata_version'] = metadata_version_name(output['finalized'].get(METADATA_VERSION))
    if not result['ok']:
        module.fail_json(msg='the controller accepted the feature update, but after %.1f s (%d attempts) not every broker '
                         'reports it: %s' % (result['elapsed'], result['attempts'], '; '.join(state.get('behind') or [state.get('error', '')])),
                         changed=True, **output)
    output['after'] = state['finalized']
    module.exit_json(changed=True, **output)


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        state=dict(type='str', default='describe', choices=['describe', 'upgrade']),
        features=dict(type='dict'),
        metadata_version=dict(type='str'),
        allow_downgrade=dict(type='str', default='never', choices=['never', 'safe']),
        dry_run=dict(type='bool', default=False),
    )
    argument_spec.update(wait_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('bootstrap_servers', 'bootstrap_controllers')],
        required_if=connection_constraints()['required_if'] + [
            ('state', 'upgrade', ('features', 'metadata_version'), True)],
        required_together=connection_constraints()['required_together'],
    )
    p = module.params
    if not p['bootstrap_servers']:
        module.fail_json(msg='kafka_features reads and updates features through brokers: set bootstrap_servers')
    try:
        wanted_levels(p['features'], p['metadata_version'])
    except ValueError as exc:
        module.fail_json(msg='kafka_features: %s' % exc)
    require_kafka(module)

    client = BrokerClient(p, 'streamops-kafka_features')
    start = time.monotonic()
    try:
        by_broker = client.broker_features()
        if p['state'] == 'upgrade':
            upgrade(module, client, by_broker, start)
        view = summarize(by_broker)
        module.exit_json(changed=False, elapsed=round(time.monotonic() - start, 3), attempts=0,
                         metadata_version=metadata_version_name(view['finalized'].get(METADATA_VERSION)), **view)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='kafka_features could not %s the features of the cluster at %s: %s' % (
            'update' if p['state'] == 'upgrade' else 'read', ', '.join(p['bootstrap_servers']), describe_error(exc)),
            elapsed=round(time.monotonic() - start, 3))
    finally:
        client.close()


if __name__ == '__main__':
    main()
