# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that put secrets into Kafka's file formats safely (documented in the sibling .yml files)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os

from ansible.errors import AnsibleFilterError

SCRAM_HASHES = {'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512'}


def jaas_quote(value):
    """A JAAS option value as a double-quoted string: backslashes and quotes escaped, nothing else touched.

    JAAS (Kafka's JaasConfig and the JDK's ConfigFile) reads quoted values with java.io.StreamTokenizer,
    which turns backslash escapes back into the character.
    """
    if value is None:
        raise AnsibleFilterError('jaas_quote: got no value')
    text = str(value)
    if '\n' in text or '\r' in text:
        raise AnsibleFilterError('jaas_quote: a JAAS value cannot hold a line break')
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def properties_value(value):
    """A value for a Java .properties line (java.util.Properties.load, ISO 8859-1).

    Backslashes are doubled, leading blanks, line breaks and tabs escaped, and every character outside
    printable ASCII written as a \\uXXXX escape (surrogate pairs for characters beyond the BMP).
    """
    text = str(value)
    out = []
    for index, char in enumerate(text):
        code = ord(char)
        if char == '\\':
            out.append('\\\\')
        elif char == '\n':
            out.append('\\n')
        elif char == '\r':
            out.append('\\r')
        elif char == '\t':
            out.append('\\t')
        elif char == ' ' and index == 0:
            out.append('\\ ')
        elif 0x20 <= code < 0x7f:
            out.append(char)
        elif code > 0xffff:
            code -= 0x10000
            out.append('\\u%04x\\u%04x' % (0xd800 + (code >> 10), 0xdc00 + (code & 0x3ff)))
        else:
            out.append('\\u%04x' % code)
    return ''.join(out)


def scram_credential(password, name, mechanism, iterations=8192, salt=None):
    """The --add-scram argument of kafka-storage.sh format with a salted password instead of the password.

    SaltedPassword is Hi() of RFC 5802 (PBKDF2 with the mechanism's HMAC, one block), over the UTF-8
    password as Kafka's ScramFormatter computes it. The salt is random unless given (tests).
    """
    if mechanism not in SCRAM_HASHES:
        raise AnsibleFilterError('scram_credential: %s is not a SCRAM mechanism (%s)' % (mechanism, ', '.join(sorted(SCRAM_HASHES))))
    if not password:
        raise AnsibleFilterError('scram_credential: user %s has no password' % name)
    iterations = int(iterations)
    salt_bytes = base64.b64decode(salt) if salt else os.urandom(32)
    salted = hashlib.pbkdf2_hmac(SCRAM_HASHES[mechanism], str(password).encode('utf-8'), salt_bytes, iterations)
    return '%s=[name=%s,salt="%s",saltedpassword="%s",iterations=%d]' % (
        mechanism, name, base64.b64encode(salt_bytes).decode('ascii'), base64.b64encode(salted).decode('ascii'), iterations)


class FilterModule(object):
    def filters(self):
        return {
            'jaas_quote': jaas_quote,
            'properties_value': properties_value,
            'scram_credential': scram_credential,
        }
