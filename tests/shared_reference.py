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


def searched_places():
    """Where shared_dir() looks, in order, for messages that say where the folder was not found."""
    places = []
    if os.environ.get("CCOL1_SHARED"):
        places.append("$CCOL1_SHARED=%s" % os.environ["CCOL1_SHARED"])
    for start in (Path(__file__).resolve(), Path(__file__).absolute()):
        for folder in start.parents:
            if (folder / "galaxy.yml").is_file():
                place = str(folder.parent / "shared")
                if place not in places:
                    places.append(place)
    return places


def crd_schema_dir():
    shared = shared_dir()
    return None if shared is None else shared / "reference" / "calico-crds"


def course_v3_manifests():
    """Every projectcalico.org/v3 document in a ```-fenced block of the course notes, as (case id, document).

    The course wraps manifests in `cat <<EOF | calicoctl apply -f -` ... `EOF`, or puts a `# command` line
    first; those lines are dropped before the block is read as YAML.
    """
    import re  # pylint: disable=import-outside-toplevel
    import yaml  # pylint: disable=import-outside-toplevel

    shared = shared_dir()
    if shared is None:
        return []
    found = []
    for path in sorted((shared / "course").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for number, block in enumerate(re.findall(r"```[^\n`]*\n(.*?)```", text, re.S)):
            if "projectcalico.org/v3" not in block:
                continue
            lines = [line for line in block.splitlines()
                     if not line.startswith("cat <<") and line.strip() != "EOF" and not line.startswith("#")]
            for doc in yaml.safe_load_all("\n".join(lines)):
                if isinstance(doc, dict) and doc.get("apiVersion") == "projectcalico.org/v3":
                    found.append(("%s#%d-%s" % (path.name, number, doc.get("metadata", {}).get("name")), doc))
    return found
