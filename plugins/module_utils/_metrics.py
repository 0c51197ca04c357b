# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Prometheus JMX exporter on Kafka nodes and ZooKeeper members: the agent's configuration, the checks on its
settings, and a reader of the Prometheus text format it serves (plain HTTP, no client library).

Pure functions except read_endpoint; the metrics_exporter role, the metrics_info module and the roll use them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
import time

# What the agent accepts as a rule; anything else in metrics_exporter_extra_rules is a mistake that the agent would
# only report in the service's log, at start.
RULE_KEYS = frozenset(('pattern', 'name', 'value', 'valueFactor', 'help', 'labels', 'type', 'attrNameSnakeCase', 'cache'))
RULE_TYPES = ('GAUGE', 'COUNTER', 'UNTYPED')
CHECKSUM = re.compile(r'^(sha1|sha224|sha256|sha384|sha512):([0-9a-fA-F]+|https?://\S+)$')
VERSION = re.compile(r'^[0-9]+\.[0-9]+\.[0-9]+$')
HEX_LENGTHS = {'sha1': 40, 'sha224': 56, 'sha256': 64, 'sha384': 96, 'sha512': 128}


def exporter_config(base, extra_rules=None):
    """The agent's configuration: base (the collection's rules file for the process, a dict) with extra_rules ahead of
    its rules, since the agent uses the first rule that matches an attribute."""
    config = dict(base or {})
    config['rules'] = list(extra_rules or []) + list(config.get('rules') or [])
    return config


def _port_problem(host, name, value):
    try:
        port = int(str(value))
    except ValueError:
        return '%s: %s must be a port number (1-65535), got %r.' % (host, name, value), None
    if not 1 <= port <= 65535:
        return '%s: %s must be a port number (1-65535), got %s.' % (host, name, port), None
    return None, port


LOOPBACK_NAMES = ('localhost', '127.0.0.1', '::1')
EVERY_INTERFACE = ('0.0.0.0', '::')


def resolved_binds(results):
    """[(kind, address, [what it resolves to])] from the preflight's loop of `getent ahosts <address>` over {kind: address}
    (Ansible's results: item.key, item.value, rc, stdout); a loop item that did not run (skipped) is left out, and one
    that found nothing resolves to []."""
    out = []
    for result in results or []:
        if 'rc' not in result:
            continue
        item = result.get('item') or {}
        addresses = []
        if result['rc'] == 0:
            for line in (result.get('stdout') or '').splitlines():
                fields = line.split()
                if fields and fields[0] not in addresses:
                    addresses.append(fields[0])
        out.append((item.get('key'), item.get('value'), addresses))
    return out


def _bind_problem(host, kind, bind, addresses):
    """Why the endpoint of a process (kind) would not be reachable from other hosts: its address (bind) resolves on the
    host only to loopback addresses (Debian's /etc/hosts maps the host's own name to 127.0.1.1), or not at all. An
    address asked for on purpose (every interface, or loopback by name) is taken as it is."""
    bind = str(bind or '')
    if bind in EVERY_INTERFACE or bind in LOOPBACK_NAMES or addresses is None:
        return None
    setting = 'metrics_exporter_bind_host (empty: %s)' % ('kafka_advertised_host' if kind == 'kafka' else 'zookeeper_client_host')
    if not addresses:
        return ('%s: the %s exporter would listen on %s, which does not resolve on this host; set %s to an address of the host, '
                'or 0.0.0.0 for every interface.' % (host, kind, bind, setting))
    if all(a.startswith('127.') or a == '::1' for a in addresses):
        return ('%s: the %s exporter would listen on %s, which resolves on this host only to %s, so no Prometheus server could '
                'reach it; set %s to the address it should listen on, or 0.0.0.0 for every interface.'
                % (host, kind, bind, ', '.join(addresses), setting))
    return None


def exporter_problems(host, settings):
    """What is wrong with a host's exporter settings, one sentence each; empty when it may be installed.

    settings: enabled, version, checksum, src, kafka_port, zookeeper_port, extra_rules, and the ports the host's
    processes already use: used_ports {name: port} (the Kafka listeners on a Kafka node, the ZooKeeper client, peer and
    election ports on a member), runs_kafka and runs_zookeeper; resolved: the preflight's getent results for the address
    each endpoint would listen on (resolved_binds)."""
    if not settings.get('enabled'):
        return []
    problems = []
    version = str(settings.get('version') or '')
    if not VERSION.match(version):
        problems.append('%s: metrics_exporter_version must be a release number like 1.0.1, got %r.' % (host, version))
    checksum = str(settings.get('checksum') or '')
    match = CHECKSUM.match(checksum)
    if checksum and not match:
        problems.append('%s: metrics_exporter_checksum must be <algorithm>:<hex digest> (sha1, sha224, sha256, sha384 or sha512), '
                        'got %r.' % (host, checksum))
    elif match and not match.group(2).startswith('http') and len(match.group(2)) != HEX_LENGTHS[match.group(1)]:
        problems.append('%s: metrics_exporter_checksum is not a %s digest (%d hex digits expected, got %d).'
                        % (host, match.group(1), HEX_LENGTHS[match.group(1)], len(match.group(2))))
    if not checksum and settings.get('src') and not settings.get('pinned'):
        problems.append('%s: metrics_exporter_src is a file on the controller, and there is no checksum to verify it by for version '
                        '%s: set metrics_exporter_checksum (for example sha256:<digest>).' % (host, version))
    ports = {}
    for kind in ('kafka', 'zookeeper'):
        if not settings.get('runs_' + kind):
            continue
        name = 'metrics_exporter_%s_port' % kind
        problem, port = _port_problem(host, name, settings.get(kind + '_port'))
        if problem:
            problems.append(problem)
        else:
            ports[name] = port
    if len(ports) == 2 and len(set(ports.values())) == 1:
        problems.append('%s: metrics_exporter_kafka_port and metrics_exporter_zookeeper_port are both %s, and this host runs Kafka and '
                        'ZooKeeper: give each its own port.' % (host, list(ports.values())[0]))
    for name, port in sorted(ports.items()):
        taken = sorted(other for other, used in (settings.get('used_ports') or {}).items() if str(used) == str(port))
        if taken:
            problems.append('%s: %s %s is already %s on this host; choose another port.' % (host, name, port, ', '.join(taken)))
    for kind, bind, addresses in resolved_binds(settings.get('resolved')):
        problem = _bind_problem(host, kind, bind, addresses)
        if problem:
            problems.append(problem)
    rules = settings.get('extra_rules')
    if not isinstance(rules, (list, tuple)):
        problems.append('%s: metrics_exporter_extra_rules must be a list of rules (mappings with a pattern), got %r.' % (host, rules))
        rules = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or not rule.get('pattern'):
            problems.append('%s: metrics_exporter_extra_rules[%d] needs a pattern (a regular expression over the MBean attribute).'
                            % (host, index))
            continue
        unknown = sorted(set(rule) - RULE_KEYS)
        if unknown:
            problems.append('%s: metrics_exporter_extra_rules[%d] has keys the exporter does not know: %s (it knows %s).'
                            % (host, index, ', '.join(unknown), ', '.join(sorted(RULE_KEYS))))
        if rule.get('type') and str(rule['type']).upper() not in RULE_TYPES:
            problems.append('%s: metrics_exporter_extra_rules[%d] type must be one of %s, got %r.'
                            % (host, index, ', '.join(RULE_TYPES), rule['type']))
        try:
            re.compile(str(rule['pattern']))
        except re.error as err:
            problems.append('%s: metrics_exporter_extra_rules[%d] pattern is not a regular expression: %s.' % (host, index, err))
    return problems


# The Prometheus text exposition format (version 0.0.4), as the agent serves it.
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?[0-9]+)?\s*$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_ESCAPES = {'\\\\': '\\', '\\"': '"', '\\n': '\n'}


def _labels(text):
    labels = {}
    pos = 0
    text = text or ''
    while pos < len(text.rstrip()):
        match = _LABEL.match(text, pos)
        if not match:
            raise ValueError('cannot read the labels {%s}' % text)
        labels[match.group(1)] = re.sub(r'\\[\\"n]', lambda m: _ESCAPES[m.group(0)], match.group(2))
        pos = match.end()
    return labels


def _value(text):
    lowered = text.lower()
    if lowered in ('+inf', 'inf'):
        return math.inf
    if lowered == '-inf':
        return -math.inf
    return float(text)


def parse_text(text):
    """Samples of a Prometheus text exposition: [{name, labels, value}] in the order served; comment lines
    (# HELP, # TYPE) skipped. A line that is not a sample raises ValueError naming it."""
    samples = []
    for number, line in enumerate((text or '').splitlines(), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        match = _SAMPLE.match(line)
        if not match:
            raise ValueError('line %d is not a Prometheus sample: %s' % (number, line[:200]))
        try:
            samples.append({'name': match.group(1), 'labels': _labels(match.group(3)), 'value': _value(match.group(4))})
        except ValueError as err:
            raise ValueError('line %d: %s' % (number, err))
    return samples


def _json_number(value):
    """NaN and infinities as strings: JSON (and so Ansible's results) has no such numbers."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return value


def summarize(samples, names=None):
    """What the roll and the tests read: ({name: sum of its samples' values}, {name: [{labels, value}]}, [names with no
    sample]) for the names asked for (every sample's name when names is empty). A counter or gauge with labels (a
    request type, a member type) sums over them; NaN samples are left out of the sum."""
    wanted = list(names or [])
    chosen = [s for s in samples if not wanted or s['name'] in wanted]
    values = {}
    series = {}
    for sample in chosen:
        series.setdefault(sample['name'], []).append({'labels': sample['labels'], 'value': _json_number(sample['value'])})
        if not math.isnan(sample['value']):
            values[sample['name']] = values.get(sample['name'], 0.0) + sample['value']
    values = dict((name, _json_number(value)) for name, value in values.items())
    missing = [name for name in wanted if name not in series]
    return values, series, missing


def read_endpoint(url, timeout, wait, opener, interval=1.0, sleep=time.sleep):
    """GET url until it answers (wait: every interval seconds until timeout) or once; returns (text or None, last error,
    elapsed seconds, attempts).

    opener(url, seconds) returns the body as text or raises; the module passes Ansible's open_url, the tests a fake."""
    started = time.monotonic()
    deadline = started + float(timeout)
    attempts = 0
    error = ''
    while True:
        attempts += 1
        left = max(deadline - time.monotonic(), 0.5)
        try:
            return opener(url, min(left, 10.0)), '', round(time.monotonic() - started, 3), attempts
        except Exception as err:  # pylint: disable=broad-except
            error = '%s: %s' % (type(err).__name__, err)
        if not wait or time.monotonic() + interval > deadline:
            return None, error, round(time.monotonic() - started, 3), attempts
        sleep(interval)
