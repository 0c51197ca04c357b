"""The session fixtures of this scenario's verify suite, from the streamops_verify package (molecule/resources/testlib),
which .config/molecule/config.yml puts on the verifier's PYTHONPATH."""
from streamops_verify.fixtures import admin, bootstrap, brokers, controller_endpoints, controllers  # noqa: F401
