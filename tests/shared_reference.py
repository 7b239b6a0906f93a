"""Where the course's shared reference folder is (upstream CRD schemas, course notes).

Upstream data is never copied into this project. CI always has the folder beside the checkout
(`../shared`); `scripts/test-all.sh` also links it beside the workspace copy it tests. Tests that need it
call `shared_dir()` and skip with `MISSING_REASON` where it is absent.
"""
import os
from pathlib import Path

MISSING_REASON = "the shared reference folder (../shared beside the checkout, or $CCOL1_SHARED) is not present"


def _looks_like_shared(path):
    return (path / "DESIGN.md").is_file() and (path / "reference").is_dir()


def shared_dir():
    """Return the shared folder as a Path, or None where it cannot be found."""
    configured = os.environ.get("CCOL1_SHARED")
    if configured and _looks_like_shared(Path(configured)):
        return Path(configured)
    here = Path(__file__).resolve()
    for folder in here.parents:
        if (folder / "galaxy.yml").is_file() and _looks_like_shared(folder.parent / "shared"):
            return folder.parent / "shared"
    for folder in Path(__file__).absolute().parents:
        if (folder / "galaxy.yml").is_file() and _looks_like_shared(folder.parent / "shared"):
            return folder.parent / "shared"
    return None


def crd_schema_dir():
    shared = shared_dir()
    return None if shared is None else shared / "reference" / "calico-crds"
