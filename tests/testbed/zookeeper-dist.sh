#!/usr/bin/env bash
# zookeeper-dist.sh VERSION [VERSION...]
#
# Assemble Apache-ZooKeeper-shaped binary distributions for the test bed from Maven Central
# (the Apache download site is not reachable from CI). For each VERSION this leaves
#   $STREAMOPS_CACHE/artifacts/apache-zookeeper-VERSION-bin.tar.gz
#   $STREAMOPS_CACHE/artifacts/apache-zookeeper-VERSION-bin.tar.gz.sha512   (sha512sum format)
# with the Apache layout: apache-zookeeper-VERSION-bin/{bin,conf,lib}. lib/ holds what the release's
# own assembly bundles: org.apache.zookeeper:zookeeper and its runtime dependencies (jute, netty,
# slf4j and the release's logging backend: logback from 3.8 on), the server jars the zookeeper pom
# only marks "provided" or optional (Jetty admin server, Jackson, JLine, metrics, snappy, commons-cli,
# logback-classic) and the Prometheus metrics provider when Central has it. Versions come from the
# release's own parent pom, imported as a BOM, as in Apache's build. bin/ and conf/ are our own
# small files (not Apache's).
# ZooKeeper artifacts must carry a .asc signature on Central (presence check), so half-published
# releases are refused. Tarballs are reproducible: the same jars give the same bytes.
#
# Environment: STREAMOPS_CACHE, MAVEN_CENTRAL_URL (see lib-maven.sh);
#   ZOOKEEPER_DIST_FORCE=1  rebuild even when a verified tarball is already cached
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/testbed/lib-maven.sh
. "$here/lib-maven.sh"

zk_group=org.apache.zookeeper

# Jars the zookeeper pom declares "provided" (or, for logback-classic from 3.9 on, optional) that
# Apache's bin assembly still ships (zookeeper-assembly/pom.xml lists them). Each is added only when
# the release's pom names that exact groupId:artifactId: JLine moved from jline:jline (2.x, up to
# 3.8) to org.jline:jline (3.x, from 3.9), and the bare artifactId "jline" matches both.
bundled_provided=(
  commons-cli:commons-cli org.eclipse.jetty:jetty-server org.eclipse.jetty:jetty-servlet
  com.fasterxml.jackson.core:jackson-databind jline:jline org.jline:jline
  io.dropwizard.metrics:metrics-core org.xerial.snappy:snappy-java ch.qos.logback:logback-classic
)

# Does pom $1 declare a dependency on $2 (groupId:artifactId, any scope)? Whitespace is ignored, so
# a <groupId> followed by its <artifactId> matches however the pom is indented.
pom_mentions() {
  tr -d ' \t\r\n' <"$1" | grep -qF "<groupId>${2%%:*}</groupId><artifactId>${2#*:}</artifactId>"
}

write_zoo_sample_cfg() {
  cat <<'EOF'
# Sample ZooKeeper configuration of the streamops test bed. Copy to zoo.cfg and adjust.
# Milliseconds per tick; session timeouts are 2 to 20 ticks.
tickTime=2000
# Ticks a follower may take to connect and sync to the leader at start-up.
initLimit=10
# Ticks a follower may lag behind the leader before it is dropped.
syncLimit=5
# Snapshots (and the transaction log unless dataLogDir is set). Not /tmp in production.
dataDir=/var/lib/zookeeper
clientPort=2181
# Four-letter-word commands answered on the client port (ruok, srvr, mntr are read-only).
4lw.commands.whitelist=ruok,srvr,mntr
# The Jetty admin server listens on 8080 by default; turn it off or move it (admin.serverPort).
admin.enableServer=false
autopurge.snapRetainCount=3
autopurge.purgeInterval=24
# An ensemble: one line per member, server.<myid>=<host>:<quorum port>:<election port>,
# and the member's own id in <dataDir>/myid.
#server.1=zk1.example.com:2888:3888
#server.2=zk2.example.com:2888:3888
#server.3=zk3.example.com:2888:3888
EOF
}

write_logback_xml() {
  cat <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- Server logging (streamops test bed): console and a size-rolled file in ${zookeeper.log.dir}. -->
<configuration>
  <property name="zookeeper.log.dir" value="${zookeeper.log.dir:-.}"/>
  <property name="zookeeper.log.file" value="${zookeeper.log.file:-zookeeper.log}"/>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder>
      <pattern>%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n</pattern>
    </encoder>
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter">
      <level>${zookeeper.console.threshold:-INFO}</level>
    </filter>
  </appender>
  <appender name="ROLLINGFILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>${zookeeper.log.dir}/${zookeeper.log.file}</file>
    <encoder>
      <pattern>%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n</pattern>
    </encoder>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>${zookeeper.log.dir}/${zookeeper.log.file}.%i</fileNamePattern>
      <maxIndex>10</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>10MB</maxFileSize>
    </triggeringPolicy>
  </appender>
  <root level="${zookeeper.root.level:-INFO}">
    <appender-ref ref="CONSOLE"/>
    <appender-ref ref="ROLLINGFILE"/>
  </root>
</configuration>
EOF
}

write_logback_cli_xml() {
  cat <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- zkCli.sh logging (streamops test bed): warnings to stderr only, no log file. -->
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder>
      <pattern>%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n</pattern>
    </encoder>
  </appender>
  <root level="${zookeeper.cli.level:-WARN}">
    <appender-ref ref="STDERR"/>
  </root>
</configuration>
EOF
}

write_log4j_properties() {
  cat <<'EOF'
# Server logging (streamops test bed), for releases before 3.8 that log through log4j 1.x.
log4j.rootLogger=INFO, CONSOLE, ROLLINGFILE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n
log4j.appender.ROLLINGFILE=org.apache.log4j.RollingFileAppender
log4j.appender.ROLLINGFILE.File=${zookeeper.log.dir}/${zookeeper.log.file}
log4j.appender.ROLLINGFILE.MaxFileSize=10MB
log4j.appender.ROLLINGFILE.MaxBackupIndex=10
log4j.appender.ROLLINGFILE.layout=org.apache.log4j.PatternLayout
log4j.appender.ROLLINGFILE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n
EOF
}

# Shared top of both launchers: paths, java, and the JVMFLAGS word lists.
write_launcher_common() {
  cat <<'EOF'
set -euo pipefail
base=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
conf_dir=${ZOOCFGDIR:-$base/conf}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
log_dir=${ZOO_LOG_DIR:-$base/logs}
classpath="$base/lib/*:$conf_dir"
# Flag lists are split on whitespace only (no glob expansion), like a shell would for one-word flags.
read -r -a jvmflags <<<"${JVMFLAGS:-}"
EOF
}

write_zkserver_sh() {
  printf '#!/usr/bin/env bash\n'
  printf '# zkServer.sh: ZooKeeper %s server launcher of the streamops test bed (not Apache'"'"'s script).\n' "$1"
  cat <<'EOF'
# Foreground only: systemd (or the caller) tracks the JVM, so there is no pid file and no daemon mode.
#   zkServer.sh start-foreground [CFG]   run the server (CFG: a path, or a name in the conf dir; default zoo.cfg)
#   zkServer.sh print-cmd [CFG]          print the java command line instead
#   zkServer.sh version                  print the ZooKeeper version
# Honours JAVA_HOME, JVMFLAGS, SERVER_JVMFLAGS, ZK_SERVER_HEAP (MB, default 1000), ZOO_LOG_DIR,
# ZOO_LOG_FILE and ZOOCFGDIR.
EOF
  write_launcher_common
  cat <<'EOF'
read -r -a server_jvmflags <<<"${SERVER_JVMFLAGS:-}"
cmd=${1:-}
cfg=${2:-zoo.cfg}
[ -f "$cfg" ] || cfg=$conf_dir/$cfg
argv=("$java" "-Dzookeeper.log.dir=$log_dir" "-Dzookeeper.log.file=${ZOO_LOG_FILE:-zookeeper-server.log}"
      "-Xmx${ZK_SERVER_HEAP:-1000}m" -XX:+ExitOnOutOfMemoryError "${jvmflags[@]}" "${server_jvmflags[@]}"
      -cp "$classpath" org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg")
case $cmd in
  start-foreground)
    [ -f "$cfg" ] || { echo "zkServer.sh: config file $cfg not found" >&2; exit 1; }
    mkdir -p "$log_dir"
    exec "${argv[@]}" ;;
  print-cmd)
    printf '%q ' "${argv[@]}"
    echo ;;
  version)
    exec "$java" -cp "$classpath" org.apache.zookeeper.version.VersionInfoMain ;;
  *)
    echo "usage: zkServer.sh start-foreground|print-cmd [CFG] | version" >&2
    exit 2 ;;
esac
EOF
}

write_zkcli_sh() {
  printf '#!/usr/bin/env bash\n'
  printf '# zkCli.sh: ZooKeeper %s command-line client of the streamops test bed (not Apache'"'"'s script).\n' "$1"
  cat <<'EOF'
#   zkCli.sh [-server host:port[,host:port...]] [-timeout ms] [command args...]
# Honours JAVA_HOME, JVMFLAGS, CLIENT_JVMFLAGS and ZOOCFGDIR; logs warnings to stderr (zookeeper.cli.level).
EOF
  write_launcher_common
  cat <<'EOF'
read -r -a client_jvmflags <<<"${CLIENT_JVMFLAGS:-}"
logging=()
# Releases logging through logback get the console-only client config; log4j ones use the server's.
if [ -f "$conf_dir/logback-cli.xml" ]; then
  logging=("-Dlogback.configurationFile=$conf_dir/logback-cli.xml")
fi
exec "$java" "-Dzookeeper.log.dir=$log_dir" "${logging[@]}" "${jvmflags[@]}" "${client_jvmflags[@]}" \
  -cp "$classpath" org.apache.zookeeper.ZooKeeperMain "$@"
EOF
}

# Build apache-zookeeper-$1-bin.tar.gz in $2 (a scratch dir); leaves it and its .sha512 there.
assemble() {
  local version=$1 work=$2
  local name=apache-zookeeper-$version-bin
  local tree=$work/$name
  local -a deps=() managed=() excludes=() notes=()
  local module zk_pom g a

  # --- 1. Decide what to ask Maven for -------------------------------------------------
  artifact_exists "$zk_group" zookeeper "$version" || die "$zk_group:zookeeper:$version is not on $central"
  artifact_exists "$zk_group" parent "$version" pom || die "$zk_group:parent:$version (its BOM) is not on $central"
  has_signature "$zk_group" parent "$version" pom ||
    die "$version: $zk_group:parent has no .asc signature on $central; not a complete Apache release, refusing it"
  for module in zookeeper zookeeper-jute; do
    artifact_exists "$zk_group" "$module" "$version" ||
      die "$version: $zk_group:$module:$version is not on $central (release not fully published?)"
    has_signature "$zk_group" "$module" "$version" ||
      die "$version: $zk_group:$module:$version has no .asc signature on $central; not a complete Apache release, refusing it"
    deps+=("$zk_group:$module:$version")
  done
  # The Prometheus metrics provider (3.6+) is optional at run time (metricsProvider.className) and
  # Central lacks it for some releases (3.8.2, 3.8.4): leave it out then, and say so.
  if version_ge "$version" 3.6.0; then
    if artifact_exists "$zk_group" zookeeper-prometheus-metrics "$version" &&
       has_signature "$zk_group" zookeeper-prometheus-metrics "$version"; then
      deps+=("$zk_group:zookeeper-prometheus-metrics:$version")
    else
      log "$version: WARNING: $zk_group:zookeeper-prometheus-metrics:$version is not on $central (signed); leaving out the Prometheus metrics provider"
      notes+=("zookeeper-prometheus-metrics (and its simpleclient jars): not on Maven Central for $version")
    fi
  fi
  managed+=("$zk_group:parent:$version")
  zk_pom=$(artifact_path "$zk_group" zookeeper "$version" pom "$state/poms")
  if [ ! -s "$zk_pom" ]; then
    mkdir -p "${zk_pom%/*}"
    curl -fsSL --retry 3 -o "$zk_pom.part" "$(artifact_path "$zk_group" zookeeper "$version" pom "$central")" ||
      die "cannot download the pom of $zk_group:zookeeper:$version"
    mv "$zk_pom.part" "$zk_pom"
  fi
  for module in "${bundled_provided[@]}"; do
    pom_mentions "$zk_pom" "$module" && deps+=("$module:")
  done

  # --- 2. Resolve lib/ with Maven (versions managed by the release's parent pom) -----------
  {
    pom_header zookeeper-dist "$version"
    printf '  <dependencyManagement>\n  <dependencies>\n'
    local dep v
    for dep in "${managed[@]}"; do
      IFS=: read -r g a v <<<"$dep"
      pom_dependency "$g" "$a" "$v" pom import
    done
    printf '  </dependencies>\n  </dependencyManagement>\n  <dependencies>\n'
    for dep in "${deps[@]}"; do
      IFS=: read -r g a v <<<"$dep"
      pom_dependency "$g" "$a" "$v"
    done
    printf '  </dependencies>\n</project>\n'
  } >"$work/pom.xml"
  log "$version: resolving ${#deps[@]} top-level artifacts with Maven"
  maven_copy_dependencies "$work/pom.xml" "$tree/lib" "$work/mvn.log" ||
    die "$version: Maven could not resolve the dependencies"
  [ -f "$tree/lib/zookeeper-$version.jar" ] || die "$version: zookeeper-$version.jar missing from lib/"
  [ -f "$tree/lib/zookeeper-jute-$version.jar" ] || die "$version: zookeeper-jute-$version.jar missing from lib/"

  # --- 3. conf/ and bin/ ------------------------------------------------------------------
  mkdir -p "$tree/conf" "$tree/bin"
  write_zoo_sample_cfg >"$tree/conf/zoo_sample.cfg"
  if compgen -G "$tree/lib/logback-classic-*.jar" >/dev/null; then
    write_logback_xml >"$tree/conf/logback.xml"
    write_logback_cli_xml >"$tree/conf/logback-cli.xml"
  elif compgen -G "$tree/lib/log4j-*.jar" >/dev/null || compgen -G "$tree/lib/reload4j-*.jar" >/dev/null; then
    write_log4j_properties >"$tree/conf/log4j.properties"
  else
    die "$version: no logging backend (logback or log4j) among the resolved jars"
  fi
  write_zkserver_sh "$version" >"$tree/bin/zkServer.sh"
  write_zkcli_sh "$version" >"$tree/bin/zkCli.sh"
  {
    printf 'Apache ZooKeeper %s, assembled by tests/testbed/zookeeper-dist.sh of the streamops test bed\n' "$version"
    printf 'from Maven Central (bin/ and conf/ are ours, not Apache'"'"'s). Top-level artifacts:\n'
    printf '  %s\n' "${deps[@]%:}"
    printf 'Versions managed by: %s\n' "${managed[*]}"
    [ ${#notes[@]} -eq 0 ] || printf 'Not included: %s\n' "${notes[@]}"
  } >"$tree/ASSEMBLY.txt"

  # --- 4. Tarball ------------------------------------------------------------------------------
  # Launchers executable first: reproducible_tarball's u=rwX,go=rX keeps an existing x bit.
  chmod 0755 "$tree"/bin/*.sh
  reproducible_tarball "$work" "$name" "$name.tar.gz"
  log "$version: $(find "$tree/lib" -name '*.jar' | wc -l) jars, $(du -h "$work/$name.tar.gz" | cut -f1) tarball"
}

main() {
  [ $# -ge 1 ] || { echo "usage: $(basename "$0") VERSION [VERSION...]" >&2; exit 64; }
  maven_init zookeeper-dist
  local version started
  for version in "$@"; do
    [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a ZooKeeper version: $version"
  done
  for version in "$@"; do
    started=$SECONDS
    build_cached "apache-zookeeper-$version-bin.tar.gz" "${ZOOKEEPER_DIST_FORCE:-0}" assemble "$version"
    log "$version: ready in $((SECONDS - started)) s: $artifacts/apache-zookeeper-$version-bin.tar.gz"
  done
}

main "$@"
