"""service_info: the version and Java a service runs, when it started, and which config changed since."""
import os

from ansible_collections.streamops.kafka.plugins.modules import service_info

PATTERN = r'kafka_[0-9.]+-([0-9]+\.[0-9]+\.[0-9]+)/'


def test_version_and_java_from_our_launcher_and_apaches():
    ours = ["/usr/lib/jvm/java-11-openjdk-amd64/bin/java", "-Xmx256m", "-cp", "/opt/kafka/kafka_2.13-2.8.2/libs/*", "kafka.Kafka",
            "/etc/kafka/server.properties"]
    apache = ["/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "-cp", "/opt/kafka/kafka_2.13-3.4.1/bin/../libs/activation-1.1.1.jar:"
              "/opt/kafka/kafka_2.13-3.4.1/bin/../libs/kafka_2.13-3.4.1.jar", "kafka.Kafka"]
    assert service_info.describe(ours, PATTERN) == ("2.8.2", "/usr/lib/jvm/java-11-openjdk-amd64")
    assert service_info.describe(apache, PATTERN) == ("3.4.1", "/usr/lib/jvm/java-17-openjdk-amd64")
    # Through the "current" link the version is not visible: the unit starts the versioned path for that reason.
    assert service_info.describe(["java", "-cp", "/opt/kafka/current/libs/*"], PATTERN) == ("", "")


def test_zookeeper_pattern():
    argv = ["/usr/lib/jvm/java-11-openjdk-amd64/bin/java", "-cp", "/opt/zookeeper/apache-zookeeper-3.8.4-bin/lib/*", "QuorumPeerMain"]
    assert service_info.describe(argv, r'apache-zookeeper-([0-9.]+)-bin/')[0] == "3.8.4"


def test_process_start_from_proc(tmp_path):
    (tmp_path / "stat").write_text("cpu  1 2 3\nbtime 1700000000\n")
    (tmp_path / "42").mkdir()
    # The command name may hold spaces and parentheses; fields count from after the last ')'.
    fields = ["S"] + ["0"] * 18 + ["12345"] + ["0"] * 30
    (tmp_path / "42" / "stat").write_text("42 (java (x) y) " + " ".join(fields))
    started = service_info.process_start(42, proc=str(tmp_path))
    assert started == 1700000000 + 12345 / float(os.sysconf("SC_CLK_TCK"))


def test_stale_files(tmp_path):
    old, new = tmp_path / "old.properties", tmp_path / "new.properties"
    old.write_text("a")
    new.write_text("b")
    os.utime(old, (1000, 1000))
    os.utime(new, (3000, 3000))
    assert service_info.stale_files([str(old), str(new), str(tmp_path / "missing")], 2000) == [str(new)]
