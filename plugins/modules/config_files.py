#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: config_files
short_description: Write a node's configuration files and directories in one call
description:
  - Creates the given directories and writes the given files, each with its owner, group and mode, in one module
    run on the host. The contents are rendered on the controller beforehand (for example with
    C(lookup('ansible.builtin.template', ...))).
  - A node's configuration is several small files (server.properties, logging, service environment, systemd unit,
    login files). Written with one C(ansible.builtin.template) task each, every file costs a check and a copy on
    every host; here the whole set costs one module run, which is what a roll pays per phase before its first stop.
  - A file is written only when its content differs; owner, group and mode are corrected when they differ. A changed
    file is written to a temporary file in the same directory, given its owner, group and mode, and then renamed over
    the old one, so a reader sees the old file or the new one, and a secret is never readable by others in between.
  - C(secret_content) is never logged, returned or shown in a diff; C(content) is shown in C(--diff) mode.
version_added: 0.7.0
author: streamops engineers (@streamops)
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing.
  diff_mode:
    support: partial
    description: Files given with C(content) show their diff; files given with C(secret_content) never do.
options:
  directories:
    description: Directories to create (with parents) before the files are written, in order.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      owner:
        description: Owner name.
        type: str
        default: root
      group:
        description: Group name.
        type: str
        default: root
      mode:
        description: Octal mode as a string, for example C("0750").
        type: str
        required: true
  files:
    description: Files to write, in order. Each needs exactly one of C(content) and C(secret_content).
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: Absolute path. Its directory must exist (or be in O(directories)).
        type: path
        required: true
      content:
        description: The file's content; shown in C(--diff) mode.
        type: str
      secret_content:
        description: The file's content when it holds a secret; never logged, returned or diffed.
        type: str
      owner:
        description: Owner name.
        type: str
        default: root
      group:
        description: Group name.
        type: str
        default: root
      mode:
        description: Octal mode as a string, for example C("0640").
        type: str
        required: true
'''

EXAMPLES = r'''
- name: Write the node's configuration
  streamops.kafka.config_files:
    directories:
      - {path: /etc/kafka, owner: root, group: kafka, mode: "0750"}
    files:
      - dest: /etc/kafka/server.properties
        secret_content: "{{ lookup('ansible.builtin.template', 'server.properties.j2') }}"
        group: kafka
        mode: "0640"
      - dest: /etc/systemd/system/kafka.service
        content: "{{ lookup('ansible.builtin.template', 'kafka.service.j2') }}"
        mode: "0644"
  register: written

- name: Reload systemd when the unit changed
  ansible.builtin.systemd_service:
    daemon_reload: true
  when: "'/etc/systemd/system/kafka.service' in written.changed_files"
'''

RETURN = r'''
changed_files:
  description: Files and directories created, rewritten, or whose owner, group or mode was corrected (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/kafka/server.properties]
'''

import grp
import os
import pwd
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text


def ids(owner, group):
    """uid and gid of the named owner and group (KeyError names the missing one)."""
    try:
        uid = pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise KeyError('no such user: %s' % owner)
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise KeyError('no such group: %s' % group)
    return uid, gid


def known_ids(spec, check_mode):
    """(True, uid, gid); in check mode (False, None, None) when the owner or group does not exist yet."""
    try:
        return (True,) + ids(spec['owner'], spec['group'])
    except KeyError:
        if not check_mode:
            raise
        return False, None, None


def attributes_differ(path, uid, gid, mode):
    info = os.lstat(path)
    return info.st_uid != uid or info.st_gid != gid or stat.S_IMODE(info.st_mode) != mode


def read_bytes(path):
    """The file's bytes, or None when it does not exist."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as err:
        if not os.path.exists(path):
            return None
        raise err


def replace_file(path, data, uid, gid, mode):
    """Write data to a temporary file beside path with its final owner and mode, then rename it over path."""
    handle, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=os.path.dirname(path))
    try:
        os.fchmod(handle, mode)
        os.fchown(handle, uid, gid)
        os.write(handle, data)
        os.fsync(handle)
        os.close(handle)
        handle = None
        os.rename(tmp, path)
    finally:
        if handle is not None:
            os.close(handle)
        if os.path.exists(tmp):
            os.unlink(tmp)


def set_attributes(path, uid, gid, mode):
    os.chmod(path, mode)
    os.chown(path, uid, gid)


def ensure_directory(spec, check_mode):
    """Create the directory and fix its attributes; True when something changed (or would)."""
    path, mode = spec['path'], int(spec['mode'], 8)
    known, uid, gid = known_ids(spec, check_mode)
    if not known:
        return True
    missing = not os.path.isdir(path)
    if not missing and not attributes_differ(path, uid, gid, mode):
        return False
    if not check_mode:
        if missing:
            os.makedirs(path)
        set_attributes(path, uid, gid, mode)
    return True


def ensure_file(spec, check_mode):
    """Write the file when its content differs and fix its attributes.

    Returns (changed, before): before is the old text (empty for a new file), for a diff.
    """
    path, mode = spec['dest'], int(spec['mode'], 8)
    known, uid, gid = known_ids(spec, check_mode)
    text = spec['content'] if spec.get('content') is not None else spec['secret_content']
    data = to_bytes(text, errors='surrogate_or_strict')
    old = read_bytes(path)
    if not known:
        return True, to_text(old or b'', errors='surrogate_or_replace')
    if old != data:
        if not check_mode:
            replace_file(path, data, uid, gid, mode)
        return True, to_text(old or b'', errors='surrogate_or_replace')
    if attributes_differ(path, uid, gid, mode):
        if not check_mode:
            set_attributes(path, uid, gid, mode)
        return True, to_text(old, errors='surrogate_or_replace')
    return False, None


def argument_spec():
    owner = dict(type='str', default='root')
    return dict(
        directories=dict(type='list', elements='dict', default=[], options=dict(
            path=dict(type='path', required=True), owner=owner, group=owner, mode=dict(type='str', required=True))),
        files=dict(type='list', elements='dict', default=[], options=dict(
            dest=dict(type='path', required=True), content=dict(type='str'), secret_content=dict(type='str', no_log=True),
            owner=owner, group=owner, mode=dict(type='str', required=True)),
            mutually_exclusive=[('content', 'secret_content')], required_one_of=[('content', 'secret_content')]),
    )


def validate(specs, check_mode):
    """Every mode an octal number and every owner and group known, before anything on the host changes.

    In check mode an unknown owner or group is not an error: a real run creates them in an earlier task.
    """
    for spec in specs:
        path = spec.get('dest') or spec['path']
        try:
            int(spec['mode'], 8)
        except ValueError:
            return '%s: mode %r is not an octal number' % (path, spec['mode'])
        try:
            ids(spec['owner'], spec['group'])
        except KeyError as err:
            if check_mode:
                continue
            return '%s: %s' % (path, err.args[0])
    return None


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    specs = module.params['directories'] + module.params['files']
    problem = validate(specs, module.check_mode)
    if problem:
        module.fail_json(msg=problem, changed_files=[])
    changed_files, diffs = [], []
    for spec in specs:
        path = spec.get('dest') or spec['path']
        try:
            if 'dest' in spec:
                changed, before = ensure_file(spec, module.check_mode)
            else:
                changed, before = ensure_directory(spec, module.check_mode), None
        except (KeyError, IOError, OSError) as err:
            module.fail_json(msg='%s: %s' % (path, to_text(err.args[0] if isinstance(err, KeyError) else err)),
                             changed_files=changed_files)
        if changed:
            changed_files.append(path)
            if module._diff and spec.get('content') is not None:
                diffs.append(dict(before_header=path, after_header=path, before=before, after=spec['content']))
    module.exit_json(changed=bool(changed_files), changed_files=changed_files, diff=diffs)


if __name__ == '__main__':
    main()
