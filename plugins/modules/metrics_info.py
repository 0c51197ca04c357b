#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: metrics_info
short_description: Read a Prometheus endpoint (the JMX exporter of a Kafka node or ZooKeeper member)
description:
  - Fetches the Prometheus text format from O(url) over plain HTTP and returns the samples of the metrics asked for,
    summed over their labels, so that a roll or a check can read what the Admin API does not tell (a broker's
    under-replicated partitions as it counts them, a controller's C(ZkMigrationState), a ZooKeeper member's state).
  - Runs wherever it is sent; the roll sends it where the other health modules run (C(kafka_upgrade_delegate_to)).
  - Only reads; never reports a change.
version_added: 0.9.0
author: streamops engineers (@streamops)
attributes:
  check_mode:
    support: full
    description: Only reads.
options:
  url:
    description: The endpoint, for example C(http://broker1:9404/metrics).
    type: str
    required: true
  names:
    description:
      - Sample names to return (for example C(kafka_server_replicamanager_underreplicatedpartitions)); empty returns
        every sample the endpoint serves.
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait for the endpoint in all (with O(wait)) or for one request.
    type: float
    default: 10
  wait:
    description: Retry, once a second, until the endpoint answers or O(timeout) is spent (a process that is starting).
    type: bool
    default: false
  required:
    description:
      - Fail when the endpoint does not answer. With C(false) an endpoint that does not answer gives
        RV(available=false) and the last error, so that a roll can record "no metrics" for a node whose exporter is
        not running yet.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Read the broker's under-replicated partitions from its exporter
  streamops.kafka.metrics_info:
    url: "http://{{ kafka_advertised_host }}:9404/metrics"
    names: [kafka_server_replicamanager_underreplicatedpartitions]
  delegate_to: localhost
  register: metrics
'''

RETURN = r'''
available:
  description: Whether the endpoint answered with the Prometheus text format.
  returned: always
  type: bool
values:
  description: Each sample name asked for (or served) with the sum of its samples' values over their labels.
  returned: always
  type: dict
  sample: {kafka_server_replicamanager_underreplicatedpartitions: 0.0}
samples:
  description: Each sample name asked for with its samples' labels and values.
  returned: always
  type: dict
  sample: {kafka_controller_kafkacontroller_activecontrollercount: [{labels: {}, value: 1.0}]}
missing:
  description: Names asked for that the endpoint does not serve.
  returned: always
  type: list
  elements: str
error:
  description: Why the endpoint could not be read (empty when it was).
  returned: always
  type: str
elapsed:
  description: Seconds spent, waits included.
  returned: always
  type: float
attempts:
  description: Requests made.
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.urls import open_url

from ansible_collections.streamops.kafka.plugins.module_utils import _metrics


def _fetch(url, seconds):
    response = open_url(url, timeout=seconds, headers={'Accept': 'text/plain; version=0.0.4'}, follow_redirects='none')
    return to_text(response.read(), errors='surrogate_or_strict')


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type='str', required=True),
            names=dict(type='list', elements='str', default=[]),
            timeout=dict(type='float', default=10),
            wait=dict(type='bool', default=False),
            required=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    text, error, elapsed, attempts = _metrics.read_endpoint(params['url'], params['timeout'], params['wait'], _fetch)
    result = dict(changed=False, available=False, values={}, samples={}, missing=list(params['names']), error=error,
                  elapsed=elapsed, attempts=attempts)
    if text is not None:
        try:
            samples = _metrics.parse_text(text)
        except ValueError as err:
            result['error'] = '%s does not serve the Prometheus text format: %s' % (params['url'], err)
        else:
            values, series, missing = _metrics.summarize(samples, params['names'])
            result.update(available=True, values=values, samples=series, missing=missing)
    if not result['available'] and params['required']:
        module.fail_json(msg='Could not read %s after %s s (%d attempts): %s' % (params['url'], elapsed, attempts, result['error']),
                         **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
