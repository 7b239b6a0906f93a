"""Packs installed Python distributions back into wheels, for the rig's offline package index.

usage: python wheels.py OUT_DIR REQUIREMENT...   (run with the Python whose installed packages to pack)

The workstation role installs the kubernetes client into a venv on host1 with pip. The rig's guests have no way
out of the rig, so pip in the guests reads only http://198.18.0.1:8080/wheels/ (scripts/rig/guest-files.sh writes
/etc/pip.conf), and this script fills that folder from the distributions already installed on the controller:
each requirement and, following its Requires-Dist (markers evaluated for this interpreter, no extras), every
dependency. A wheel is the distribution's files as RECORD lists them inside site-packages, its .dist-info with a
fresh RECORD, named with the tags its WHEEL file recorded at install time. Files installed outside site-packages
(console scripts) are left out. Compiled wheels only fit a guest with the same Python version and architecture:
the script refuses to run when the guest's Python (RIG_GUEST_PYTHON, default 3.11, Debian 12's) differs.
Prints one line per wheel written.
"""
import base64
import hashlib
import os
import re
import sys
import zipfile
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def closure(requirements):
    """Installed distributions needed by the requirements, by canonical name; raises when one is missing."""
    found, pending = {}, [Requirement(text) for text in requirements]
    while pending:
        requirement = pending.pop()
        key = canonicalize_name(requirement.name)
        if key in found:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise SystemExit("wheels.py: %s is needed but not installed in %s" % (requirement, sys.prefix))
        if not requirement.specifier.contains(dist.version, prereleases=True):
            raise SystemExit("wheels.py: %s is installed as %s, which does not satisfy %s"
                             % (dist.metadata["Name"], dist.version, requirement))
        found[key] = dist
        for text in dist.requires or []:
            dependency = Requirement(text)
            if dependency.marker is None or dependency.marker.evaluate({"extra": ""}):
                pending.append(dependency)
    return found


def wheel_tag(dist):
    """The compressed tag set (py-abi-platform, each part dot-joined) from the WHEEL file's Tag lines."""
    tags = [line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag:")]
    if not tags:
        return "py3-none-any"
    parts = [[], [], []]
    for tag in tags:
        for index, part in enumerate(tag.split("-")):
            if part not in parts[index]:
                parts[index].append(part)
    return "-".join(".".join(part) for part in parts)


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def build_wheel(dist, out_dir):
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    filename = "%s-%s-%s.whl" % (name, dist.version, wheel_tag(dist))
    site = os.path.realpath(str(dist.locate_file("")))
    record_name = None
    lines = []
    with zipfile.ZipFile(os.path.join(out_dir, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for entry in dist.files or []:
            path = os.path.realpath(str(dist.locate_file(entry)))
            relative = os.path.relpath(path, site)
            if relative.startswith("..") or "__pycache__" in relative or relative.endswith(".pyc"):
                continue
            if relative.endswith(".dist-info/RECORD"):
                record_name = relative
                continue
            if relative.endswith(".dist-info/INSTALLER") or relative.endswith(".dist-info/REQUESTED"):
                continue
            if relative.endswith(".dist-info/direct_url.json") or not os.path.isfile(path):
                continue
            with open(path, "rb") as handle:
                data = handle.read()
            wheel.writestr(relative, data)
            lines.append(record_line(relative, data))
        if record_name is None:
            raise SystemExit("wheels.py: %s has no RECORD" % dist.metadata["Name"])
        wheel.writestr(record_name, "\n".join(lines + [record_name + ",,"]) + "\n")
    return filename


def main(argv):
    if len(argv) < 2:
        print(__doc__.split("\n\n", maxsplit=2)[1], file=sys.stderr)
        return 2
    guest = os.environ.get("RIG_GUEST_PYTHON", "3.11")
    if "%d.%d" % sys.version_info[:2] != guest:
        raise SystemExit("wheels.py: this Python is %d.%d, the guests' is %s; compiled wheels would not fit"
                         % (sys.version_info[0], sys.version_info[1], guest))
    out_dir = argv[0]
    os.makedirs(out_dir, exist_ok=True)
    for dist in closure(argv[1:]).values():
        print(build_wheel(dist, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
