"""`make lint`: the collection's version is its newest changelog release, and nothing claims to be newer.

galaxy.yml's version must equal the newest release in changelogs/changelog.yaml (cut one with `make release
RELEASE=x.y.z`), CHANGELOG.md must hold that release, no plugin's version_added may be above it, and the README, docs/ and examples/
name that release's tarball."""
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def version_key(text):
    return tuple(int(part) for part in str(text).split("."))


def problems():
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    releases = (yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text()) or {}).get("releases") or {}
    found = []
    if not releases:
        found.append("changelogs/changelog.yaml has no release; cut one with make release RELEASE=%s" % version)
    else:
        newest = max(releases, key=version_key)
        if newest != version:
            found.append("galaxy.yml says %s but the newest changelog release is %s" % (version, newest))
        changelog = ROOT / "CHANGELOG.md"
        if not changelog.exists() or ("v%s" % newest).replace(".", "\\.") not in changelog.read_text():
            found.append("CHANGELOG.md does not hold release %s: regenerate it with antsibull-changelog generate" % newest)
    # The install commands users copy name the release's tarball.
    for path in [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md")) + sorted((ROOT / "examples").rglob("*")):
        if not path.is_file():
            continue
        for named in sorted(set(re.findall(r"streamops-kafka-([0-9]+\.[0-9]+\.[0-9]+)\.tar\.gz", path.read_text()))):
            if named != version:
                found.append("%s names streamops-kafka-%s.tar.gz but the release is %s" % (path.relative_to(ROOT), named, version))
    for path in sorted((ROOT / "plugins").rglob("*")):
        if path.suffix not in (".py", ".yml") or not path.is_file():
            continue
        for added in re.findall(r"^\s*version_added:\s*['\"]?([0-9.]+)", path.read_text(), re.M):
            if version_key(added) > version_key(version):
                found.append("%s: version_added %s is above the collection's version %s" % (path.relative_to(ROOT), added, version))
    return found


if __name__ == "__main__":
    listed = problems()
    for line in listed:
        print("release check: %s" % line, file=sys.stderr)
    sys.exit(1 if listed else 0)
