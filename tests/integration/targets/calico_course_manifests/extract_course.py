#!/usr/bin/env python
"""Read the course notes and write, as JSON, every step the course takes on projectcalico.org/v3 objects.

Steps, in the order of the notes: the manifests piped into `calicoctl apply -f -` (heredocs) and the
`calicoctl patch <kind> <name> --patch '<json>'` commands. The notes are read at test time from the shared folder
and never copied into the project. Usage: extract_course.py COURSE_DIR OUTPUT_JSON
"""
import json
import re
import sys
from pathlib import Path

import yaml

APPLY_START = re.compile(r"calicoctl\s+apply\s+-f\s+-")
PATCH = re.compile(r"calicoctl\s+patch\s+(\S+)\s+(\S+)\s+(?:--type=?'?merge'?\s+)?(?:-p|--patch)[=\s]*'(\{.*?\})'",
                   re.DOTALL)
PATCH_KINDS = {
    "felixconfiguration": "FelixConfiguration",
    "kubecontrollersconfiguration": "KubeControllersConfiguration",
    "bgpconfig": "BGPConfiguration",
    "bgpconfiguration": "BGPConfiguration",
}


def heredoc_manifests(lines):
    for number, line in enumerate(lines):
        if not APPLY_START.search(line) or "<<" not in line:
            continue
        body = []
        for following in lines[number + 1:]:
            if following.strip() == "EOF":
                break
            body.append(following)
        for document in yaml.safe_load_all("\n".join(body)):
            if isinstance(document, dict) and document.get("apiVersion") == "projectcalico.org/v3":
                yield number + 1, document


def patch_commands(text):
    joined = text.replace("\\\n", " ")
    for match in PATCH.finditer(joined):
        kind = PATCH_KINDS[match.group(1).lower()]
        line = joined[:match.start()].count("\n") + 1
        yield line, {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": {"name": match.group(2)},
                     "spec": json.loads(match.group(3))["spec"]}


def course_steps(course_dir):
    steps, seen = [], set()
    for path in sorted(Path(course_dir).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        found = [(line, "apply", doc) for line, doc in heredoc_manifests(text.splitlines())]
        found += [(line, "patch", doc) for line, doc in patch_commands(text)]
        for line, how, doc in sorted(found, key=lambda item: item[0]):
            key = json.dumps([how, doc], sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            steps.append({"source": "%s:%d" % (path.name, line), "how": how, "kind": doc["kind"],
                          "name": doc["metadata"]["name"], "definition": doc})
    return steps


def main(course_dir, output):
    steps = course_steps(course_dir)
    if not steps:
        sys.exit("no projectcalico.org/v3 manifests or calicoctl patches found in %s" % course_dir)
    Path(output).write_text(json.dumps({"course_steps": steps}, indent=1), encoding="utf-8")
    for step in steps:
        print("%-28s %-5s %s/%s" % (step["source"], step["how"], step["kind"], step["name"]))


if __name__ == "__main__":
    main(*sys.argv[1:3])
