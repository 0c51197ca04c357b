# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Feature levels of a KRaft cluster: metadata.version names, the levels a storage format wrote, and the check that a
cluster's finalized levels are not below them. Pure functions, shared by kafka_features and the filters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import struct

METADATA_VERSION = 'metadata.version'

# metadata.version feature levels (MetadataVersion in apache/kafka server-common), 3.3-IV0 to the last release known.
METADATA_VERSIONS = [
    ('3.3-IV0', 4), ('3.3-IV1', 5), ('3.3-IV2', 6), ('3.3-IV3', 7),
    ('3.4-IV0', 8),
    ('3.5-IV0', 9), ('3.5-IV1', 10), ('3.5-IV2', 11),
    ('3.6-IV0', 12), ('3.6-IV1', 13), ('3.6-IV2', 14),
    ('3.7-IV0', 15), ('3.7-IV1', 16), ('3.7-IV2', 17), ('3.7-IV3', 18), ('3.7-IV4', 19),
    ('3.8-IV0', 20),
    ('3.9-IV0', 21),
    ('4.0-IV0', 22), ('4.0-IV1', 23), ('4.0-IV2', 24), ('4.0-IV3', 25),
    ('4.1-IV0', 26), ('4.1-IV1', 27),
    ('4.2-IV0', 28), ('4.2-IV1', 29),
    ('4.3-IV0', 30),
]
# Levels a KRaft cluster can be finalized at but no release of this collection asks for: the preview KRaft releases.
# A controller whose log has no metadata.version record treats it as 3.0-IV1 (level 1).
EARLY_METADATA_VERSIONS = [('3.0-IV1', 1), ('3.1-IV0', 2), ('3.2-IV0', 3)]
RELEASE_PATTERN = re.compile(r'^(\d+\.\d+)(?:\.\d+)?(?:-(IV\d+))?$')


def metadata_version_level(text):
    """Feature level of a release string: '3.9-IV0' exactly, '3.9' or '3.9.2' as that release's latest."""
    match = RELEASE_PATTERN.match(text.strip())
    if match:
        release, internal = match.groups()
        if internal:
            levels = [lvl for name, lvl in METADATA_VERSIONS if name == '%s-%s' % (release, internal)]
        else:
            levels = [lvl for name, lvl in METADATA_VERSIONS if name.split('-')[0] == release]
        if levels:
            return max(levels)
    raise ValueError('unknown metadata_version %r: give a release from %s to %s (for example 3.9 or 3.9-IV0), '
                     'or the level in features as metadata.version' % (text, METADATA_VERSIONS[0][0], METADATA_VERSIONS[-1][0]))


def metadata_version_name(level):
    """The release name of a finalized metadata.version level ('3.9-IV0'); 'level N' for a level this table does not
    name (a newer release); None when there is no level (0 or None: not finalized, as in ZooKeeper mode)."""
    if not level:
        return None
    names = [name for name, lvl in EARLY_METADATA_VERSIONS + METADATA_VERSIONS if lvl == level]
    return names[0] if names else 'level %s' % level


# A storage format writes bootstrap.checkpoint in the metadata log directory: a KRaft snapshot of record batches
# (magic 2) holding a FeatureLevelRecord per feature, and the --add-scram credentials. The controller replays it into
# an empty metadata log. See the "Record Batch" section of the Kafka protocol docs and FeatureLevelRecord.json.
_BATCH_HEADER = struct.Struct('>qiiBIhiqqqhii')
_CONTROL_BATCH = 0x20
_COMPRESSION = 0x07
_FEATURE_LEVEL_RECORD = 12


def _varint(data, pos):
    """An unsigned LEB128 varint at pos: (value, next position)."""
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError('truncated varint at byte %d' % pos)
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7f) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _zigzag(data, pos):
    value, pos = _varint(data, pos)
    return (value >> 1) ^ -(value & 1), pos


def _record_values(batch, count):
    """The values of a batch's records (each: length, attributes, timestamp and offset deltas, key, value, headers)."""
    pos = 0
    for _ in range(count):
        length, pos = _zigzag(batch, pos)
        end = pos + length
        pos += 1  # attributes
        for _field in range(2):  # timestamp delta, offset delta
            _ignored, pos = _zigzag(batch, pos)
        if length < 0 or end > len(batch):
            raise ValueError('a record runs past the end of its batch')
        key_length, pos = _zigzag(batch, pos)
        pos += max(key_length, 0)
        value_length, pos = _zigzag(batch, pos)
        if pos + max(value_length, 0) > end:
            raise ValueError('a record value runs past the end of its record')
        if value_length >= 0:
            yield batch[pos:pos + value_length]
        pos = end


def _feature_level(value):
    """(name, level) of a metadata record that is a FeatureLevelRecord, else None. A metadata record is framed as
    frame version, api key and record version (unsigned varints); FeatureLevelRecord v0 is flexible: a compact string
    name (length + 1) and an int16 level."""
    _frame, pos = _varint(value, 0)
    api_key, pos = _varint(value, pos)
    _version, pos = _varint(value, pos)
    if api_key != _FEATURE_LEVEL_RECORD:
        return None
    name_length, pos = _varint(value, pos)
    name = bytes(value[pos:pos + name_length - 1]).decode('utf-8')
    pos += name_length - 1
    if pos + 2 > len(value):
        raise ValueError('truncated FeatureLevelRecord')
    return name, struct.unpack_from('>h', value, pos)[0]


def bootstrap_levels(data):
    """{feature: level} that a bootstrap.checkpoint (bytes) sets; only the feature records are read."""
    levels = {}
    pos = 0
    data = bytearray(data)
    while pos < len(data):
        if len(data) - pos < _BATCH_HEADER.size:
            raise ValueError('truncated record batch header at byte %d' % pos)
        fields = _BATCH_HEADER.unpack_from(data, pos)
        batch_length, magic, attributes, count = fields[1], fields[3], fields[5], fields[12]
        end = pos + 12 + batch_length
        if magic != 2:
            raise ValueError('record batch at byte %d has magic %d, not 2' % (pos, magic))
        if batch_length < _BATCH_HEADER.size - 12:
            raise ValueError('record batch at byte %d is %d bytes long, shorter than its own header' % (pos, batch_length))
        if end > len(data):
            raise ValueError('record batch at byte %d runs past the end of the file' % pos)
        if attributes & _COMPRESSION:
            raise ValueError('record batch at byte %d is compressed; a storage format writes none' % pos)
        if not attributes & _CONTROL_BATCH:
            for value in _record_values(data[pos + _BATCH_HEADER.size:end], count):
                found = _feature_level(value)
                if found:
                    levels[found[0]] = found[1]
        pos = end
    return levels


def formatted_levels(by_host):
    """The levels a cluster was formatted with, from each controller's bootstrap.checkpoint levels ({host: {feature:
    level}}, or None where the file was not read): per feature, the lowest level any controller's file holds, a feature
    a file does not set counting as 0. A controller formatted later with newer software (its file is never replayed
    into an existing log) so cannot raise the bar."""
    found = [levels for levels in by_host.values() if levels]
    names = set(name for levels in found for name in levels)
    return dict((name, min(levels.get(name, 0) for levels in found)) for name in sorted(names))


def _level_text(name, level):
    if name == METADATA_VERSION:
        return '%s (level %s)' % (metadata_version_name(level) or 'none', level or 0)
    return str(level or 0)


def feature_check(finalized, formatted, new_cluster):
    """Whether a cluster's finalized feature levels reach what its storage was formatted with.

    finalized: {feature: level} the brokers report; formatted: formatted_levels(); new_cluster: every controller was
    formatted by this run, so nothing has used the cluster yet. A controller leader that loses leadership before the
    bootstrap records commit leaves the next leader with no metadata.version record; it then runs at 3.0-IV1 and the
    other features off. On a new cluster raising them to the formatted levels is safe (action raise). A cluster
    formatted before this run may hold data, and its operator may have lowered a feature on purpose: it is only
    reported (action report), since raising metadata.version cannot be undone. Returns {action: ok | raise | report,
    behind: {feature: {finalized, formatted}}, raise: {feature: level}, message, ...}.
    """
    behind = dict((name, dict(finalized=finalized.get(name, 0), formatted=level)) for name, level in sorted(formatted.items())
                  if finalized.get(name, 0) < level)
    out = dict(behind=behind, formatted=dict(formatted), finalized=dict(finalized),
               metadata_version=metadata_version_name(finalized.get(METADATA_VERSION)),
               formatted_metadata_version=metadata_version_name(formatted.get(METADATA_VERSION)))
    out['raise'] = {}
    if not formatted:
        return dict(out, action='ok', message='No bootstrap.checkpoint was read on the controllers; nothing to compare the '
                    'finalized levels with.')
    if not behind:
        return dict(out, action='ok', message='Finalized %s; formatted with %s.' % (
            _level_text(METADATA_VERSION, finalized.get(METADATA_VERSION)), _level_text(METADATA_VERSION, formatted.get(METADATA_VERSION))))
    lower = '; '.join('%s is finalized at %s, formatted with %s' % (
        name, _level_text(name, value['finalized']), _level_text(name, value['formatted'])) for name, value in behind.items())
    if new_cluster:
        return dict(out, action='raise', message='The new cluster came up below the levels its storage was formatted with: '
                    '%s. Nothing has used it yet, so they are raised to the formatted levels.' % lower,
                    **{'raise': dict((name, value['formatted']) for name, value in behind.items())})
    return dict(out, action='report', message=(
        'The cluster runs below the levels its storage was formatted with: %s. A first controller leader that lost '
        'leadership before the formatted levels were committed leaves a cluster so (at 3.0-IV1 for metadata.version); a '
        'feature lowered on purpose does too. The cluster was formatted before this run and may hold data, so nothing is '
        'changed: if the levels should be raised, raise them with streamops.kafka.kafka_features (state=upgrade) once every '
        'node runs the same Kafka release; metadata.version cannot be lowered again.' % lower))
