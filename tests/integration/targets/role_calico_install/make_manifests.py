"""Write operator manifests shaped like a Calico release's, for the calico_install test.

v3.32.1 ships two files (operator-crds.yaml with the CRDs, tigera-operator.yaml without any); v3.21.6 ships one
tigera-operator.yaml with the CRDs inside (shared/reference/lab-roles-facts.md section 2). The CRDs are the
upstream operator CRDs of that version from the shared reference folder, unmodified; the rest is ours: the files in
files/operator-shape/ (the non-CRD kinds of upstream's tigera-operator.yaml, in its order: Namespace, ServiceAccount,
RBAC, Deployment), written for this test.
Prints the written paths, one per line, in apply order.
"""
import sys
from pathlib import Path

import yaml

PLURALS = ("installations", "apiservers", "tigerastatuses")


def crd_text(schema_dir, version):
    docs = []
    for plural in PLURALS:
        path = Path(schema_dir) / ("operator.tigera.io_%s_%s.yaml" % (plural, version))
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return yaml.safe_dump_all(docs, sort_keys=False)


def main(schema_dir, version, out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts = sorted((Path(__file__).parent / "files" / "operator-shape").glob("*.yaml"))
    shape = "".join(part.read_text() for part in parts)
    if version == "v3.21.6":
        files = [("tigera-operator.yaml", crd_text(schema_dir, version) + shape)]
    else:
        files = [("operator-crds.yaml", crd_text(schema_dir, version)), ("tigera-operator.yaml", shape)]
    for name, text in files:
        (out / name).write_text(text)
        print(out / name)


if __name__ == "__main__":
    main(*sys.argv[1:])
