"""Checks a rehearsal: the lab report (every flow outcome of each lab's data present and passing on the engine's
prediction, nothing observed, every check not-run) and the test API server's request log of the second run
(zero writes). Usage: check_report.py REPORT_JSON REQUESTS_JSON ROLE_VARS_FILE... ; exits 1 listing problems."""
import json
import sys

import yaml

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def lab_data(path):
    with open(path) as stream:
        data = yaml.safe_load(stream)
    (name, lab), = [(key, value) for key, value in data.items() if key.endswith("_lab")]
    return lab


def outcome_problems(report, lab):
    section = report["labs"].get(lab["name"])
    if section is None:
        return ["%s: no section in the report" % lab["name"]]
    recorded = dict(((o["step"], o["description"]), o) for o in section["outcomes"])
    problems = []
    for step in lab["steps"]:
        for outcome in step.get("outcomes") or []:
            found = recorded.get((step["name"], outcome["description"]))
            where = "%s/%s: %s" % (lab["name"], step["name"], outcome["description"])
            if found is None:
                problems.append("%s: missing from the report" % where)
            elif found["observed"] is not None:
                problems.append("%s: observed %r in a rehearsal (nothing is probed)" % (where, found["observed"]))
            elif outcome["kind"] == "flow" and (found["status"] != "pass" or found["predicted"] != outcome["expected"]):
                problems.append("%s: status %s, predicted %r, expected %r\n%s" % (
                    where, found["status"], found["predicted"], outcome["expected"], found.get("explanation")))
            elif outcome["kind"] == "check" and found["status"] != "not-run":
                problems.append("%s: a check is %s in a rehearsal (must be not-run)" % (where, found["status"]))
    if len(section["outcomes"]) != sum(len(step.get("outcomes") or []) for step in lab["steps"]):
        problems.append("%s: %d outcomes in the report, the data has a different number"
                        % (lab["name"], len(section["outcomes"])))
    return problems


def write_problems(requests):
    writes = [r for r in requests if r["method"] in WRITE_METHODS and "dryRun" not in (r.get("query") or {})]
    return ["second run wrote: %s %s" % (r["method"], r["path"]) for r in writes]


def main(argv):
    with open(argv[1]) as stream:
        report = json.load(stream)
    with open(argv[2]) as stream:
        requests = json.load(stream)["items"]
    problems = write_problems(requests)
    counted = 0
    for path in argv[3:]:
        lab = lab_data(path)
        counted += len(report["labs"].get(lab["name"], {}).get("outcomes", []))
        problems.extend(outcome_problems(report, lab))
    for problem in problems:
        print("REHEARSAL PROBLEM: %s" % problem)
    if not problems:
        print("rehearsal: %d outcomes as the course promises (flows predicted, probes and checks not-run); "
              "second run: %d requests, no writes" % (counted, len(requests)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
