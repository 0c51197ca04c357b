#!/usr/bin/env bash
# kafka-dist.sh VERSION [VERSION...]
#
# Assemble Apache-Kafka-shaped binary distributions for the test bed from Maven Central
# (the Apache download site is not reachable from CI). For each VERSION this leaves
#   $STREAMOPS_CACHE/artifacts/kafka_2.13-VERSION.tgz
#   $STREAMOPS_CACHE/artifacts/kafka_2.13-VERSION.tgz.sha512   (sha512sum format)
# with the Apache layout: kafka_2.13-VERSION/{bin,libs,config}. libs/ holds the broker,
# tools and their runtime dependencies resolved by Maven (no Connect, no Streams); bin/ and
# config/ are rendered from our own templates in tests/testbed/launchers/. Kafka jars must
# carry a .asc signature on Central (presence check), so half-published releases are refused.
# Tarballs are reproducible: the same jars give the same bytes (and the same sha512).
#
# Environment:
#   STREAMOPS_CACHE     cache root (default: <repo>/.cache); Maven's local repo lives in $STREAMOPS_CACHE/m2
#   MAVEN_CENTRAL_URL   repository to probe and download from (default: https://repo1.maven.org/maven2)
#   KAFKA_DIST_FORCE=1  rebuild even when a verified tarball is already cached
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
cache=${STREAMOPS_CACHE:-$repo_root/.cache}
artifacts=$cache/artifacts
m2=$cache/m2
poms=$cache/kafka-dist/poms
central=${MAVEN_CENTRAL_URL:-https://repo1.maven.org/maven2}
launchers=$here/launchers
scala=2.13
# Pinned so runs do not depend on whatever plugin version Central calls "latest" today.
dependency_plugin=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

# Kafka modules a broker-plus-tools distribution may bundle; each is probed, absent ones skipped.
# (kafka_2.13 is the core and is required; Connect and Streams are deliberately left out.)
candidate_modules=(
  kafka-clients kafka-server-common kafka-metadata kafka-raft kafka-storage kafka-storage-api
  kafka-server kafka-group-coordinator kafka-group-coordinator-api kafka-transaction-coordinator
  kafka-share-coordinator kafka-coordinator-common kafka-tools kafka-tools-api
)

# Transitive dependencies the real distribution does not ship: other logging backends
# (ZooKeeper drags log4j 1.2 / logback), Connect (pulled in by kafka-tools), and test
# frameworks that some published poms leak into the runtime scope.
excluded_deps=(
  log4j:log4j org.slf4j:slf4j-log4j12 ch.qos.logback:logback-classic ch.qos.logback:logback-core
  org.apache.kafka:connect-runtime org.apache.kafka:kafka-streams
  junit:junit 'org.junit.jupiter:*' 'org.junit.platform:*' 'org.mockito:*'
  'org.apache.directory.api:*' 'org.apache.directory.server:*'
)

# Kafka jars that Central serves without a .asc signature but that we accept anyway.
# kafka-tools 3.4.1 was published without signatures (and is missing from the module's
# maven-metadata.xml); its class list matches the 3.4.1 tag, and 3.4.1 needs it for
# kafka-metadata-quorum.sh and the perf tools. Delete an entry to refuse that jar instead.
known_unsigned=(kafka-tools:3.4.1)

# Launchers: "script|required|candidate main classes, newest location first".
# The first candidate present in libs/ wins; an optional launcher with none is left out.
launcher_table=(
  "kafka-server-start.sh|required|kafka.Kafka"
  "kafka-storage.sh|required|org.apache.kafka.tools.StorageTool kafka.tools.StorageTool"
  "kafka-topics.sh|required|org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand"
  "kafka-configs.sh|required|org.apache.kafka.tools.ConfigCommand kafka.admin.ConfigCommand"
  "kafka-console-producer.sh|required|org.apache.kafka.tools.ConsoleProducer kafka.tools.ConsoleProducer"
  "kafka-console-consumer.sh|required|org.apache.kafka.tools.consumer.ConsoleConsumer kafka.tools.ConsoleConsumer"
  "kafka-metadata-quorum.sh|optional|org.apache.kafka.tools.MetadataQuorumCommand kafka.admin.MetadataQuorumCommand"
  "kafka-features.sh|optional|org.apache.kafka.tools.FeatureCommand kafka.admin.FeatureCommand"
  "kafka-broker-api-versions.sh|optional|org.apache.kafka.tools.BrokerApiVersionsCommand kafka.admin.BrokerApiVersionsCommand"
  "kafka-producer-perf-test.sh|optional|org.apache.kafka.tools.ProducerPerformance"
  "kafka-consumer-perf-test.sh|optional|org.apache.kafka.tools.ConsumerPerformance kafka.tools.ConsumerPerformance"
  "kafka-consumer-groups.sh|optional|org.apache.kafka.tools.consumer.group.ConsumerGroupCommand kafka.admin.ConsumerGroupCommand"
  "kafka-acls.sh|optional|org.apache.kafka.tools.AclCommand kafka.admin.AclCommand"
  "kafka-cluster.sh|optional|org.apache.kafka.tools.ClusterTool kafka.tools.ClusterTool"
  "kafka-get-offsets.sh|optional|org.apache.kafka.tools.GetOffsetShell kafka.tools.GetOffsetShell"
  "kafka-log-dirs.sh|optional|org.apache.kafka.tools.LogDirsCommand kafka.admin.LogDirsCommand"
  "kafka-dump-log.sh|optional|org.apache.kafka.tools.DumpLogSegments kafka.tools.DumpLogSegments"
  "kafka-reassign-partitions.sh|optional|org.apache.kafka.tools.reassign.ReassignPartitionsCommand kafka.admin.ReassignPartitionsCommand"
  "kafka-leader-election.sh|optional|org.apache.kafka.tools.LeaderElectionCommand kafka.admin.LeaderElectionCommand"
  "zookeeper-shell.sh|optional|org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka org.apache.zookeeper.ZooKeeperMain"
)

log() { echo "kafka-dist: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# True when version $1 >= version $2 (dotted numeric).
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

# Path of artifact G:A:V (extension $4) inside a Maven 2 layout rooted at $5.
artifact_path() { echo "$5/${1//.//}/$2/$3/$2-$3.$4"; }

# Does G:A:V have a jar? Local Maven repo first (warm CI runs), then a HEAD request to Central.
# 404 means "not published for this version"; any other failure is a real error.
artifact_exists() {
  local code
  [ -f "$(artifact_path "$1" "$2" "$3" jar "$m2")" ] && return 0
  code=$(curl -sS -o /dev/null -I -L -w '%{http_code}' --retry 3 "$(artifact_path "$1" "$2" "$3" jar "$central")") ||
    die "cannot reach $central to probe $1:$2:$3"
  case $code in
    200) return 0 ;;
    404) return 1 ;;
    *) die "unexpected HTTP $code probing $1:$2:$3 on $central" ;;
  esac
}

# Every genuine Apache release on Central carries detached .asc signatures, so a Kafka jar
# without one is suspect. (Presence only: Apache's KEYS file is not reachable here to verify.)
has_signature() {
  local marker=$cache/kafka-dist/signed/$2-$3 code
  [ -f "$marker" ] && return 0
  if [[ " ${known_unsigned[*]} " == *" $2:$3 "* ]]; then
    log "$3: note: accepting unsigned $1:$2:$3 (listed in known_unsigned)"
    return 0
  fi
  code=$(curl -sS -o /dev/null -I -L -w '%{http_code}' --retry 3 "$(artifact_path "$1" "$2" "$3" jar.asc "$central")") ||
    die "cannot reach $central to check the signature of $1:$2:$3"
  [ "$code" = 200 ] || return 1
  mkdir -p "${marker%/*}"
  : >"$marker"
}

# Print the path of G:A:V's pom, downloading it into our own pom cache on first use.
fetch_pom() {
  local dest=$poms/$2-$3.pom
  if [ ! -s "$dest" ]; then
    mkdir -p "$poms"
    curl -fsSL --retry 3 -o "$dest.part" "$(artifact_path "$1" "$2" "$3" pom "$central")" ||
      die "cannot download the pom of $1:$2:$3"
    mv "$dest.part" "$dest"
  fi
  echo "$dest"
}

# Version a pom ($1) declares for dependency G:A ($2, $3); prints nothing when absent.
# Gradle-written poms put one element per line, which keeps this awk simple.
pom_dep_version() {
  awk -v g="$2" -v a="$3" '
    /<dependency>/  { dg = ""; da = ""; dv = ""; inside = 1; next }
    /<exclusions>/  { skip = 1 }
    /<\/exclusions>/ { skip = 0; next }
    inside && !skip && /<groupId>/    { dg = $0; gsub(/.*<groupId>|<\/groupId>.*/, "", dg) }
    inside && !skip && /<artifactId>/ { da = $0; gsub(/.*<artifactId>|<\/artifactId>.*/, "", da) }
    inside && !skip && /<version>/    { dv = $0; gsub(/.*<version>|<\/version>.*/, "", dv) }
    /<\/dependency>/ { if (dg == g && da == a) { print dv; exit } inside = 0 }
  ' "$1"
}

# Replace @KEY@ placeholders in template $1 with the KEY=VALUE pairs that follow; VALUE may
# span lines. Output goes to stdout.
render() {
  local template=$1 text pair
  shift
  text=$(<"$template")
  for pair in "$@"; do
    text=${text//@${pair%%=*}@/${pair#*=}}
  done
  printf '%s\n' "$text"
}

# Emit one <dependency> block of the generated pom with the exclusions in "${excludes[@]}".
pom_dependency() {
  local ex
  printf '    <dependency>\n      <groupId>%s</groupId>\n      <artifactId>%s</artifactId>\n      <version>%s</version>\n' "$1" "$2" "$3"
  printf '      <exclusions>\n'
  for ex in "${excludes[@]}"; do
    printf '        <exclusion><groupId>%s</groupId><artifactId>%s</artifactId></exclusion>\n' "${ex%%:*}" "${ex#*:}"
  done
  printf '      </exclusions>\n    </dependency>\n'
}

# List every class in the jars of directory $1 as dotted names (unzip when present, else jar).
index_classes() {
  local jar
  for jar in "$1"/*.jar; do
    if command -v unzip >/dev/null 2>&1; then unzip -Z1 "$jar"; else jar tf "$jar"; fi
  done | sed -n 's#\.class$##p' | tr / . | LC_ALL=C sort -u
}

# Build kafka_2.13-$1.tgz in $2 (a scratch dir); leaves $2/kafka_2.13-$1.tgz{,.sha512}.
assemble() {
  local version=$1 work=$2
  local name=kafka_${scala}-$version
  local tree=$work/$name
  local -a deps=() modules_absent=()
  local module log4j_flavour server_log4j tools_log4j core_pom server_pom

  # --- 1. Decide what to ask Maven for -------------------------------------------------
  # Per-build copy of the exclusions: unsigned optional modules get added below.
  local -a excludes=("${excluded_deps[@]}")
  artifact_exists org.apache.kafka "kafka_$scala" "$version" ||
    die "org.apache.kafka:kafka_$scala:$version is not on $central"
  has_signature org.apache.kafka "kafka_$scala" "$version" ||
    die "$version: kafka_$scala has no .asc signature on $central; not a complete Apache release, refusing it"
  core_pom=$(fetch_pom org.apache.kafka "kafka_$scala" "$version")
  deps+=("org.apache.kafka:kafka_$scala:$version")
  for module in "${candidate_modules[@]}"; do
    # Modules the core depends on are part of the broker: they must be there, and signed.
    local needed_by_core=""
    [ -z "$(pom_dep_version "$core_pom" org.apache.kafka "$module")" ] || needed_by_core=1
    if ! artifact_exists org.apache.kafka "$module" "$version"; then
      [ -z "$needed_by_core" ] ||
        die "$version: kafka_$scala needs org.apache.kafka:$module:$version, which $central does not have (release not fully published?)"
      modules_absent+=("$module")
    elif ! has_signature org.apache.kafka "$module" "$version"; then
      [ -z "$needed_by_core" ] ||
        die "$version: org.apache.kafka:$module:$version (needed by kafka_$scala) has no .asc signature on $central"
      # Optional and unsigned: leave it out everywhere rather than trust it.
      log "$version: WARNING: org.apache.kafka:$module:$version has no .asc signature on $central; leaving it out"
      modules_absent+=("$module (unsigned)")
      excludes+=("org.apache.kafka:$module")
    else
      deps+=("org.apache.kafka:$module:$version")
    fi
  done
  [ ${#modules_absent[@]} -eq 0 ] || log "$version: not included: ${modules_absent[*]}"

  # Logging backend: the real distributions add it at release time, so no module pom has it.
  if version_ge "$version" 4.0.0; then
    # 4.x moved to Log4j 2 with YAML configs. Follow the log4j version kafka-server declares,
    # and pick the SLF4J binding that matches the slf4j-api line Kafka builds against.
    local log4j2 slf4j yaml
    log4j_flavour="Log4j 2"
    server_pom=$(fetch_pom org.apache.kafka kafka-server "$version")
    log4j2=$(pom_dep_version "$server_pom" org.apache.logging.log4j log4j-core)
    log4j2=${log4j2:-2.24.3}
    slf4j=$(pom_dep_version "$core_pom" org.slf4j slf4j-api)
    yaml=$(pom_dep_version "$core_pom" com.fasterxml.jackson.core jackson-databind)
    deps+=("org.apache.logging.log4j:log4j-api:$log4j2" "org.apache.logging.log4j:log4j-core:$log4j2")
    if [[ ${slf4j:-1} == 2.* ]]; then
      deps+=("org.apache.logging.log4j:log4j-slf4j2-impl:$log4j2")
    else
      deps+=("org.apache.logging.log4j:log4j-slf4j-impl:$log4j2")
    fi
    # The 1.x API bridge keeps code that still logs through org.apache.log4j working.
    deps+=("org.apache.logging.log4j:log4j-1.2-api:$log4j2")
    # Log4j 2 reads YAML configs through jackson-dataformat-yaml.
    [ -z "$yaml" ] || deps+=("com.fasterxml.jackson.dataformat:jackson-dataformat-yaml:$yaml")
    server_log4j='-Dlog4j2.configurationFile=$base/config/log4j2.yaml'
    tools_log4j='-Dlog4j2.configurationFile=$base/config/tools-log4j2.yaml'
  else
    # 2.x/3.x log through log4j 1.x; reload4j is its maintained drop-in (3.x ships exactly this).
    log4j_flavour="reload4j (log4j 1.x API)"
    deps+=("ch.qos.reload4j:reload4j:1.2.25" "org.slf4j:slf4j-reload4j:1.7.36")
    server_log4j='-Dlog4j.configuration=file:$base/config/log4j.properties'
    tools_log4j='-Dlog4j.configuration=file:$base/config/tools-log4j.properties'
  fi

  # --- 2. Resolve libs/ with Maven ---------------------------------------------------------
  {
    printf '<?xml version="1.0" encoding="UTF-8"?>\n'
    printf '<!-- Generated by tests/testbed/kafka-dist.sh: only used to collect jars. -->\n'
    printf '<project xmlns="http://maven.apache.org/POM/4.0.0">\n  <modelVersion>4.0.0</modelVersion>\n'
    printf '  <groupId>streamops.testbed</groupId>\n  <artifactId>kafka-dist</artifactId>\n'
    printf '  <version>%s</version>\n  <packaging>pom</packaging>\n' "$version"
    # Resolve from the same repository the probes above asked.
    printf '  <repositories>\n    <repository><id>central</id><url>%s</url></repository>\n  </repositories>\n' "$central"
    printf '  <dependencies>\n'
    local dep g a v
    for dep in "${deps[@]}"; do
      IFS=: read -r g a v <<<"$dep"
      pom_dependency "$g" "$a" "$v"
    done
    printf '  </dependencies>\n</project>\n'
  } >"$work/pom.xml"

  mkdir -p "$tree/bin" "$tree/libs" "$tree/config"
  log "$version: resolving $(( ${#deps[@]} )) top-level artifacts with Maven"
  # Maven's output is kept aside and shown (minus colour codes) only when it fails.
  if ! mvn -q -B --strict-checksums -f "$work/pom.xml" "-Dmaven.repo.local=$m2" \
      "$dependency_plugin:copy-dependencies" -DincludeScope=runtime "-DoutputDirectory=$tree/libs" \
      >"$work/mvn.log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$work/mvn.log" >&2
    die "$version: Maven could not resolve the dependencies"
  fi
  [ -f "$tree/libs/kafka_$scala-$version.jar" ] || die "$version: core jar missing from libs/"

  # --- 3. Launchers: pick each main class from what the jars really contain ---------------
  local index=$work/classes.txt row script need candidates class launcher_lines=""
  index_classes "$tree/libs" >"$index"
  local common=("KAFKA_VERSION=$version" "TOOLS_LOG4J_OPTS=$tools_log4j"
                "SERVER_LOG4J_OPTS=$server_log4j" "LOG4J_FLAVOUR=$log4j_flavour")
  render "$launchers/kafka-run-class.sh.in" "${common[@]}" >"$tree/bin/kafka-run-class.sh"
  render "$launchers/kafka-server-stop.sh.in" "${common[@]}" >"$tree/bin/kafka-server-stop.sh"
  for row in "${launcher_table[@]}"; do
    IFS='|' read -r script need candidates <<<"$row"
    class=""
    for class in $candidates; do
      grep -qxF "$class" "$index" && break
      class=""
    done
    if [ -z "$class" ]; then
      [ "$need" = required ] && die "$version: no main class for $script among: $candidates"
      log "$version: $script left out (none of: $candidates)"
      continue
    fi
    if [ "$script" = kafka-server-start.sh ]; then
      render "$launchers/kafka-server-start.sh.in" "${common[@]}" "MAIN_CLASS=$class" >"$tree/bin/$script"
    else
      render "$launchers/tool.sh.in" "${common[@]}" "NAME=$script" "MAIN_CLASS=$class" >"$tree/bin/$script"
    fi
    launcher_lines+="  bin/$script -> $class"$'\n'
  done

  # --- 4. config/ and the assembly notice --------------------------------------------------
  if version_ge "$version" 3.0.0; then
    render "$launchers/config/server-kraft.properties" "${common[@]}" >"$tree/config/server.properties"
  else
    render "$launchers/config/server-zk.properties" "${common[@]}" >"$tree/config/server.properties"
  fi
  if version_ge "$version" 4.0.0; then
    render "$launchers/config/log4j2.yaml" "${common[@]}" >"$tree/config/log4j2.yaml"
    render "$launchers/config/tools-log4j2.yaml" "${common[@]}" >"$tree/config/tools-log4j2.yaml"
  else
    render "$launchers/config/log4j.properties" "${common[@]}" >"$tree/config/log4j.properties"
    render "$launchers/config/tools-log4j.properties" "${common[@]}" >"$tree/config/tools-log4j.properties"
  fi
  local module_lines
  module_lines=$(printf '  %s\n' "${deps[@]}")
  render "$launchers/config/LICENSE-assembly.txt" "${common[@]}" \
    "MODULES=$module_lines" "LAUNCHERS=${launcher_lines%$'\n'}" >"$tree/LICENSE-assembly.txt"

  # --- 5. Tarball: fixed owners, order and mtimes so identical inputs give identical bytes --
  chmod -R u=rwX,go=rX "$tree"
  chmod 0755 "$tree"/bin/*.sh
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${SOURCE_DATE_EPOCH:-946684800}" \
    -C "$work" -cf - "$name" | gzip -n >"$work/$name.tgz"
  (cd "$work" && sha512sum "$name.tgz" >"$name.tgz.sha512")
  log "$version: $(find "$tree/libs" -name '*.jar' | wc -l) jars, $(du -h "$work/$name.tgz" | cut -f1) tarball"
}

# Build one version unless a verified copy is cached; publish with renames only.
build_version() {
  local version=$1 name=kafka_${scala}-$1 work started
  # Serialise concurrent runs for the same version (parallel CI jobs sharing a cache).
  exec 9>"$cache/kafka-dist/$name.lock"
  flock 9
  if [ "${KAFKA_DIST_FORCE:-0}" != 1 ] && [ -f "$artifacts/$name.tgz" ] && [ -f "$artifacts/$name.tgz.sha512" ] &&
     (cd "$artifacts" && sha512sum --status -c "$name.tgz.sha512"); then
    log "$version: cached and verified: $artifacts/$name.tgz"
    exec 9>&-
    return 0
  fi
  started=$SECONDS
  # Scratch space next to the artifacts so the final mv is an atomic rename on one filesystem.
  work=$(mktemp -d "$artifacts/.build-$name.XXXXXX")
  scratch=$work
  trap 'rm -rf "$scratch"' EXIT
  # Turn signals into a normal exit so the EXIT trap still removes the scratch dir.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  assemble "$version" "$work"
  # Drop the old checksum first: a crash between the renames then leaves "unverified", never "wrong".
  rm -f "$artifacts/$name.tgz.sha512"
  mv -f "$work/$name.tgz" "$artifacts/$name.tgz"
  mv -f "$work/$name.tgz.sha512" "$artifacts/$name.tgz.sha512"
  rm -rf "$work"
  trap - EXIT INT TERM
  scratch=""
  exec 9>&-
  log "$version: built $artifacts/$name.tgz in $((SECONDS - started)) s"
}

main() {
  [ $# -ge 1 ] || { echo "usage: $(basename "$0") VERSION [VERSION...]" >&2; exit 64; }
  local version
  for version in "$@"; do
    [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a Kafka version: $version"
  done
  # patsub_replacement (bash >= 5.2) would treat '&' in render() values as "the match".
  shopt -u patsub_replacement 2>/dev/null || true
  for tool in mvn curl tar gzip sha512sum flock; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
  done
  mkdir -p "$artifacts" "$m2" "$cache/kafka-dist"
  for version in "$@"; do
    build_version "$version"
  done
}

main "$@"
