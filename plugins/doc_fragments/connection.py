# -*- coding: utf-8 -*-
# Copyright: streamops engineers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r'''
options:
  bootstrap_servers:
    description:
      - Broker listeners to connect to, as C(host:port).
      - Either this or O(bootstrap_controllers) is required.
    type: list
    elements: str
  bootstrap_controllers:
    description:
      - KRaft controller listeners, as C(host:port), for modules that can talk to controllers directly
        (only M(streamops.kafka.kafka_quorum_wait) and M(streamops.kafka.kafka_info)).
      - Useful with dedicated controllers before any broker runs.
    type: list
    elements: str
  security_protocol:
    description: Protocol of the listener.
    type: str
    default: PLAINTEXT
    choices: [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]
  sasl_mechanism:
    description: SASL mechanism; required with C(SASL_PLAINTEXT) and C(SASL_SSL).
    type: str
    choices: [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI]
  sasl_username:
    description: User for PLAIN and SCRAM.
    type: str
  sasl_password:
    description: Password for PLAIN and SCRAM. Never logged.
    type: str
  controller_security_protocol:
    description:
      - Protocol of the KRaft controller listener, for O(bootstrap_controllers); default O(security_protocol).
      - The controller connection uses the same user, password and TLS options.
    type: str
    choices: [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]
  controller_sasl_mechanism:
    description: SASL mechanism of the controller listener; default O(sasl_mechanism).
    type: str
    choices: [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI]
  sasl_kerberos_service_name:
    description: Kerberos service name of the brokers (GSSAPI).
    type: str
    default: kafka
  sasl_kerberos_domain_name:
    description: Kerberos host name to use instead of the connected host (GSSAPI).
    type: str
  ssl_cafile:
    description: CA bundle (PEM) that signs the listener's certificate.
    type: path
  ssl_certfile:
    description: Client certificate (PEM) for mutual TLS.
    type: path
  ssl_keyfile:
    description: Client key (PEM) for mutual TLS.
    type: path
  ssl_password:
    description: Password of O(ssl_keyfile). Never logged.
    type: str
  ssl_check_hostname:
    description: Check that the listener's certificate names the host connected to.
    type: bool
    default: true
  request_timeout_ms:
    description: Timeout of one request to the cluster, in milliseconds.
    type: int
    default: 10000
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
requirements:
  - kafka-python >= 3.0 on the host that runs the module (a cluster host, or the controller with C(delegate_to)).
notes:
  - The modules only read the cluster (except leader election in M(streamops.kafka.kafka_isr_wait), feature updates in
    M(streamops.kafka.kafka_features) and M(streamops.kafka.kafka_scram_users)); they support check mode fully.
  - The action group C(streamops.kafka.kafka) holds them all, so C(module_defaults) can set these options once; the collection's
    playbooks set them from the sasl role.
'''
