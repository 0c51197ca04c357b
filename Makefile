# Entry points: `make demo`, `make test`, `make molecule SCENARIO=<name>`. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV ?= $(CURDIR)/.venv
PYTHON ?= python3
export STREAMOPS_CACHE ?= $(CURDIR)/.cache
export ANSIBLE_COLLECTIONS_PATH := $(STREAMOPS_CACHE)/collections
export PATH := $(VENV)/bin:$(PATH)
SCENARIOS ?= kraft upgrade-zk migrate-zk sasl-kraft sasl-zk gssapi
SCENARIO ?= kraft
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := $(STREAMOPS_CACHE)/build/streamops-kafka-$(VERSION).tar.gz

.PHONY: deps collection lint changelog release sanity sanity-matrix sanity-oldest unit molecule scenarios test faults migrate extra matrix demo demo-destroy bench clean

deps: $(VENV)/.installed
$(VENV)/.installed: requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-test.txt
	touch $@

# Build the collection tarball and install it offline, as users do.
collection: deps
	rm -rf $(STREAMOPS_CACHE)/build
	mkdir -p $(STREAMOPS_CACHE)/build $(ANSIBLE_COLLECTIONS_PATH)
	ansible-galaxy collection build --force --output-path $(STREAMOPS_CACHE)/build >/dev/null
	ansible-galaxy collection install --force --offline -p $(ANSIBLE_COLLECTIONS_PATH) $(TARBALL) >/dev/null
	@echo "installed $(TARBALL) into $(ANSIBLE_COLLECTIONS_PATH)"

# ansible-lint resolves streamops.kafka.* (roles, modules, the module_defaults group) through a collections path that
# holds only a link to this working tree, and keeps its own cache in the venv: it lints what is here, never a build
# or an older copy installed under ~/.ansible.
LINT_COLLECTIONS := $(STREAMOPS_CACHE)/lint-collections
lint: deps sanity changelog
	yamllint -s .
	python tests/ee_check.py
	mkdir -p $(LINT_COLLECTIONS)/ansible_collections/streamops
	ln -sfn $(CURDIR) $(LINT_COLLECTIONS)/ansible_collections/streamops/kafka
	VIRTUAL_ENV=$(VENV) ANSIBLE_COLLECTIONS_PATH=$(LINT_COLLECTIONS) ansible-lint --profile production --offline

sanity: deps
	bash tests/testbed/sanity.sh

# ansible-test sanity under each ansible-core release meta/runtime.yml's requires_ansible admits (the newest patch of
# each line), each from a venv of its own under $(STREAMOPS_CACHE)/venv-core-<release>; make lint runs the test venv's
# (the newest), and make test the oldest as well (sanity-oldest). Logs: $(STREAMOPS_CACHE)/logs/sanity-<release>.log.
SANITY_CORES ?= 2.17.14 2.18.19 2.19.14
sanity-matrix: deps
	@mkdir -p $(STREAMOPS_CACHE)/logs; rc=0; for v in $(SANITY_CORES); do \
	  venv=$(STREAMOPS_CACHE)/venv-core-$$v; log=$(STREAMOPS_CACHE)/logs/sanity-$$v.log; \
	  [ -x $$venv/bin/ansible-test ] || { $(PYTHON) -m venv $$venv && \
	    $$venv/bin/pip install -q ansible-core==$$v voluptuous pycodestyle antsibull-docs-parser; }; \
	  if PATH=$$venv/bin:$$PATH bash tests/testbed/sanity.sh >$$log 2>&1; then echo "ansible-core $$v: sanity passed"; \
	  else echo "ansible-core $$v: sanity FAILED (see $$log)"; tail -n 40 $$log; rc=1; fi; \
	done; exit $$rc

# make test's sanity under the oldest ansible-core requires_ansible admits (make lint's is the newest, the test venv's).
sanity-oldest:
	$(MAKE) --no-print-directory sanity-matrix SANITY_CORES=$(firstword $(SANITY_CORES))

# The fragments parse, and galaxy.yml's version is the newest release of changelogs/changelog.yaml and CHANGELOG.md.
changelog: deps
	antsibull-changelog lint
	python tests/release_check.py

# Cut a release: the fragments become release RELEASE in changelog.yaml and CHANGELOG.md, and galaxy.yml takes its version.
release: deps
	@[ -n "$(RELEASE)" ] || { echo "usage: make release RELEASE=x.y.z"; exit 2; }
	antsibull-changelog release --version $(RELEASE)
	sed -i 's/^version: .*/version: $(RELEASE)/' galaxy.yml
	python tests/release_check.py

# One worker more than cores: most of the time goes to ansible-playbook runs, which wait on their forked workers as
# much as they compute (on 2 cores: 3 workers 50 s, 2 workers 63 s, 4 workers 63 s).
UNIT_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
unit: deps
	$(VENV)/bin/pytest -q -n $(UNIT_WORKERS) tests/unit

# One scenario, including the test bed it needs (engine, base image, Kafka artifacts).
molecule: collection
	bash tests/testbed/prepare.sh $(SCENARIO)
	bash tests/testbed/scenario.sh $(SCENARIO)

scenarios: collection
	@: > $(STREAMOPS_CACHE)/run-summary.log; for s in $(SCENARIOS); do \
	  if bash tests/testbed/prepare.sh $$s; then bash tests/testbed/scenario.sh $$s $(STREAMOPS_CACHE)/run-summary.log || true; \
	  else echo "scenario $$s: FAILED in 0 s (test bed not prepared)" | tee -a $(STREAMOPS_CACHE)/run-summary.log; fi; \
	done; \
	echo; echo "== scenarios (phases and verify counts: $(STREAMOPS_CACHE)/timings.log)"; \
	cat $(STREAMOPS_CACHE)/run-summary.log; \
	echo; echo "== each scenario, and why a failed one failed"; \
	grep -E "^(scenario|cause) " $(STREAMOPS_CACHE)/run-summary.log; \
	passed=$$(grep -cE "^scenario [^ ]+: passed" $(STREAMOPS_CACHE)/run-summary.log || true); \
	failed=$$(grep -cE "^scenario [^ ]+: FAILED" $(STREAMOPS_CACHE)/run-summary.log || true); \
	echo "scenarios: $$passed passed, $$failed failed"; \
	[ "$$failed" -eq 0 ]

# The test bed (engine, base images, distributions) is prepared in the background while lint and unit run: it waits
# on the network, they on the CPU. A failed background step is retried, and reported, by each scenario's prepare.sh.
test: deps
	@mkdir -p $(STREAMOPS_CACHE)/logs; \
	( for s in $(SCENARIOS); do bash tests/testbed/prepare.sh $$s || exit 1; done ) >$(STREAMOPS_CACHE)/logs/prepare.log 2>&1 & prep=$$!; \
	rc=0; $(MAKE) --no-print-directory lint sanity-oldest unit || rc=$$?; \
	wait $$prep || echo "test bed: the background prepare failed (see $(STREAMOPS_CACHE)/logs/prepare.log); the scenarios retry it"; \
	[ $$rc -eq 0 ] && $(MAKE) --no-print-directory scenarios

# Faults injected into rolls on a real cluster (molecule/faults, tests/faults/inject.py), outside `make test` for its
# minutes; docs/testing.md says what each fault must leave. Figures: $(STREAMOPS_CACHE)/figures-faults.json.
FAULT_SCENARIOS ?= faults faults-zk
faults: collection
	$(MAKE) --no-print-directory scenarios SCENARIOS="$(FAULT_SCENARIOS)"

# The whole road from ZooKeeper to Kafka 4.x (molecule/migrate-zk: migrate into dual-write, roll back, migrate again and
# finalize; then upgrade the migrated cluster to 4.x and finalize), alone; make test runs it too.
# Figures: $(STREAMOPS_CACHE)/figures-migrate-zk.json.
migrate: collection
	$(MAKE) --no-print-directory scenarios SCENARIOS="migrate-zk"

# Scenarios make test no longer runs, for the CI minutes migrate-zk took (docs/testing.md): upgrade-kraft (3.5 -> 3.9
# on dedicated controllers: upgrade --check, upgrade, a restart a broker cannot start in, resume), upgrade-kraft-4
# (3.9 -> 4.x on combined nodes: upgrade, roll back, upgrade) and
# kraft-dedicated (9 nodes: a roll a rack at a time, Kafka from a URL, Java from an archive).
EXTRA_SCENARIOS ?= upgrade-kraft upgrade-kraft-4 kraft-dedicated
extra: collection
	$(MAKE) --no-print-directory scenarios SCENARIOS="$(EXTRA_SCENARIOS)"

# Upgrade paths, each on three combined KRaft nodes (molecule/matrix) with the canary running: from the oldest release of
# each line the preflight accepts to MATRIX_TO, upgraded and finalized in one run (not in make test: about 5 minutes a
# path). One result a path in $(STREAMOPS_CACHE)/matrix; then tests/matrix_report.py writes README.md's table of tested
# paths and roles/rolling_upgrade/files/tested_upgrade_paths.json, the paths the upgrade preflight does not warn about.
MATRIX_SOURCES ?= 3.3.1 3.4.0 3.5.0 3.6.0 3.7.0 3.8.0 3.9.0 4.0.0 4.1.0 4.2.0 4.3.0
MATRIX_TO ?= 4.3.1
matrix: collection
	@for from in $(MATRIX_SOURCES); do \
	  export MATRIX_FROM=$$from MATRIX_TO=$(MATRIX_TO); rm -f $(STREAMOPS_CACHE)/figures-matrix.json; start=$$(date +%s); rc=0; \
	  { bash tests/testbed/prepare.sh matrix && bash tests/testbed/scenario.sh matrix $(STREAMOPS_CACHE)/run-summary.log; } || rc=$$?; \
	  python tests/matrix_report.py record --from $$from --to $(MATRIX_TO) --rc $$rc --seconds $$(( $$(date +%s) - start )) \
	    --figures $(STREAMOPS_CACHE)/figures-matrix.json --out $(STREAMOPS_CACHE)/matrix; \
	done; python tests/matrix_report.py write --results $(STREAMOPS_CACHE)/matrix

# A 3-node KRaft cluster on local containers, deployed with streamops.kafka.site; left running.
demo: collection
	bash tests/testbed/prepare.sh kraft
	molecule create -s kraft
	molecule converge -s kraft
	@bash tests/testbed/demo-info.sh kraft

demo-destroy: deps
	molecule destroy -s kraft

# Health-gate modules vs Kafka's CLI on one 3-node cluster, then with 5,000 partitions (figures: .cache/bench.json).
bench: collection
	bash tests/testbed/prepare.sh kraft
	molecule destroy -s kraft
	molecule create -s kraft
	molecule converge -s kraft -- -e '{"kafka_heap_opts": "-Xms1g -Xmx1g"}'
	python tests/bench/bench.py --nodes kraft-node1,kraft-node2,kraft-node3 --out $(STREAMOPS_CACHE)/bench.json
	molecule destroy -s kraft

clean:
	rm -rf $(STREAMOPS_CACHE)/build $(STREAMOPS_CACHE)/collections
