"""Put the collections we depend on into a folder, without Ansible Galaxy.

Galaxy cannot be reached from our CI machines, but PyPI can, and the PyPI
`ansible` package bundles every collection we need.  We download that one
wheel (no dependencies) and extract only the collections named below.
Users with Galaxy keep `ansible-galaxy collection install -r requirements.yml`.
"""
import pathlib
import subprocess
import sys
import tempfile
import zipfile

ANSIBLE_BUNDLE = "ansible==12.3.0"
WANTED = (
    "ansible_collections/kubernetes/core/",
    "ansible_collections/ansible/posix/",
    "ansible_collections/ansible/utils/",
    "ansible_collections/community/general/",
    "ansible_collections/community/crypto/",
)


def main(target: str) -> int:
    target_dir = pathlib.Path(target)
    stamp = target_dir / ".bundle"
    if stamp.exists() and stamp.read_text() == ANSIBLE_BUNDLE:
        return 0
    with tempfile.TemporaryDirectory() as download_dir:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", ANSIBLE_BUNDLE, "-d", download_dir],
            check=True,
        )
        wheel = next(pathlib.Path(download_dir).glob("ansible-*.whl"))
        with zipfile.ZipFile(wheel) as bundle:
            members = [name for name in bundle.namelist() if name.startswith(WANTED)]
            bundle.extractall(target_dir, members)
    stamp.write_text(ANSIBLE_BUNDLE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
