# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that reads and writes znodes: the zookeeper_* connection options of the migration modules turned
into a kazoo client, and the few reads the migration needs. ACL judgements (pure) are here too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.streamops.kafka.plugins.module_utils._zookeeper import split_address

KAZOO_IMPORT_ERROR = None
try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import NoNodeError
except ImportError:
    KAZOO_IMPORT_ERROR = traceback.format_exc()
    KazooClient = NoNodeError = None

# ZooKeeper permission bits (org.apache.zookeeper.ZooDefs.Perms).
PERM_WRITE, PERM_CREATE, PERM_DELETE = 2, 4, 8


def zookeeper_argument_spec():
    """The ZooKeeper options; documented once in doc_fragments/zookeeper.py."""
    return dict(
        zookeeper_connect=dict(type='str', required=True),
        zookeeper_username=dict(type='str'),
        zookeeper_password=dict(type='str', no_log=True),
        zookeeper_timeout=dict(type='float', default=10),
    )


def require_kazoo(module):
    if KAZOO_IMPORT_ERROR is not None:
        from ansible.module_utils.basic import missing_required_lib
        module.fail_json(msg=missing_required_lib('kazoo'), exception=KAZOO_IMPORT_ERROR)


def check_connect(connect):
    """A zookeeper.connect string ('z1:2181,z2:2181/kafka') as kazoo takes it; ValueError naming what is wrong."""
    text = (connect or '').strip()
    servers, slash, chroot = text.partition('/')
    if not servers:
        raise ValueError('zookeeper_connect names no server (got %r)' % (connect,))
    for server in servers.split(','):
        split_address(server)
    return servers + (slash + chroot.rstrip('/') if chroot.strip('/') else '')


def writers(acls):
    """Who may change a znode's children and data, from its ACL list [(scheme, id, perms)]: None when anyone may (a
    world:anyone entry with write or create), else the sorted ids of the other entries that may."""
    needed = PERM_WRITE | PERM_CREATE
    ids = set()
    for scheme, ident, perms in acls:
        if not perms & needed:
            continue
        if scheme == 'world' and ident == 'anyone':
            return None
        ids.add(ident if scheme == 'sasl' else '%s:%s' % (scheme, ident))
    return sorted(ids)


class ZooKeeper:
    """A started kazoo client on the ensemble (with SASL DIGEST-MD5 when a username is given)."""

    def __init__(self, params):
        options = dict(hosts=check_connect(params['zookeeper_connect']),
                       timeout=params['zookeeper_timeout'], randomize_hosts=False)
        if params.get('zookeeper_username'):
            options['sasl_options'] = dict(mechanism='DIGEST-MD5', username=params['zookeeper_username'],
                                           password=params.get('zookeeper_password') or '')
        self.client = KazooClient(**options)
        self.client.start(timeout=params['zookeeper_timeout'])

    def data(self, path):
        """A znode's data (bytes), or None when the znode does not exist."""
        try:
            return self.client.get(path)[0]
        except NoNodeError:
            return None

    def children(self, path):
        try:
            return sorted(self.client.get_children(path))
        except NoNodeError:
            return []

    def acls(self, path):
        """[(scheme, id, perms)], or None when the znode does not exist."""
        try:
            return [(a.id.scheme, a.id.id, a.perms) for a in self.client.get_acls(path)[0]]
        except NoNodeError:
            return None

    def delete(self, path):
        """Delete a znode and its children; False when it did not exist."""
        try:
            self.client.delete(path, recursive=True)
            return True
        except NoNodeError:
            return False

    def close(self):
        try:
            self.client.stop()
        finally:
            self.client.close()


def run_on_zookeeper(module, name, doing, use):
    """use(zk) on a session opened from the module's zookeeper_* options, closed afterwards; the module fails naming
    the ensemble when the session does not open ('<name> could not open a ZooKeeper session on ...') or use raises
    ('<name> could not <doing> on ...')."""
    where = module.params['zookeeper_connect']
    try:
        zk = ZooKeeper(module.params)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='%s could not open a ZooKeeper session on %s: %s: %s' % (name, where, type(exc).__name__, exc))
    try:
        return use(zk)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='%s could not %s on %s: %s: %s' % (name, doing, where, type(exc).__name__, exc))
    finally:
        zk.close()
