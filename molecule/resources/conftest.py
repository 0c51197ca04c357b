"""The session fixtures of the verify suites under molecule/resources (tests, sasl_tests, gssapi_tests, upgrade_tests).

One conftest above the suites, so a scenario that collects from two of them (sasl-kraft) shares one set of session
fixtures. The fixtures and helpers live in the streamops_verify package (molecule/resources/testlib), which
.config/molecule/config.yml puts on the verifier's PYTHONPATH."""
from streamops_verify.fixtures import admin, bootstrap, brokers, controller_endpoints, controllers  # noqa: F401
