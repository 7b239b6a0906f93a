"""Checks a rehearsal: the lab report (every flow outcome of each lab's data present and passing on the engine's
prediction, nothing observed, every check not-run) and the test API server's request log of the second run
(zero writes). Usage: check_report.py REPORT_JSON REQUESTS_JSON ROLE_VARS_FILE... ; exits 1 listing problems."""
import json
import re
import sys

import yaml

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def lab_data(path):
    with open(path) as stream:
        data = yaml.safe_load(stream)
    (name, lab), = [(key, value) for key, value in data.items() if key.endswith("_lab")]
    if isinstance(lab["steps"], str):
        # steps chosen by a variable (lab_wireguard: the course's steps, plus more when asked to leave it on);
        # the rehearsal runs the defaults, which are the course's steps
        lab = dict(lab, steps=data[re.search(r"\w+_course_steps", lab["steps"]).group(0)])
    return lab


def outcome_problems(report, lab):
    """Every outcome of the lab's data, matched by step and position (descriptions may be templates, and a lab
    may pick a variant of a step, e.g. lab_ebpf's switch), present with its kind and expectation; flows predicted
    as expected and never observed, checks not-run."""
    section = report["labs"].get(lab["name"])
    if section is None:
        return ["%s: no section in the report" % lab["name"]]
    recorded = {}
    for outcome in section["outcomes"]:
        recorded.setdefault(outcome["step"], []).append(outcome)
    problems = []
    for step in lab["steps"]:
        wanted = step.get("outcomes") or []
        found = recorded.get(step["name"], [])
        if len(found) != len(wanted):
            problems.append("%s/%s: %d outcomes in the report, %d in the data"
                            % (lab["name"], step["name"], len(found), len(wanted)))
            continue
        for outcome, got in zip(wanted, found):
            problems.extend(_one_outcome_problems(lab["name"], step["name"], outcome, got))
    if len(section["outcomes"]) != sum(len(step.get("outcomes") or []) for step in lab["steps"]):
        problems.append("%s: %d outcomes in the report, the data has a different number"
                        % (lab["name"], len(section["outcomes"])))
    return problems


def _one_outcome_problems(lab, step, outcome, got):
    where = "%s/%s: %s" % (lab, step, got["description"])
    if got["kind"] != outcome["kind"] or got["expected"] != outcome["expected"]:
        return ["%s: recorded as %s expecting %r, the data says %s expecting %r"
                % (where, got["kind"], got["expected"], outcome["kind"], outcome["expected"])]
    if got["observed"] is not None:
        return ["%s: observed %r in a rehearsal (nothing is probed)" % (where, got["observed"])]
    if outcome["kind"] == "flow" and (got["status"] != "pass" or got["predicted"] != outcome["expected"]):
        return ["%s: status %s, predicted %r, expected %r\n%s" % (
            where, got["status"], got["predicted"], outcome["expected"], got.get("explanation"))]
    if outcome["kind"] == "check" and got["status"] != "not-run":
        return ["%s: a check is %s in a rehearsal (must be not-run)" % (where, got["status"])]
    return []


def write_problems(requests):
    """Writes of the second run. install_calico and yaobank apply server-side every run (kubernetes.core always
    sends the PATCH); such an apply that changes nothing is not a write, which rehearsal.sh proves separately by
    every object keeping its resourceVersion."""
    writes = [r for r in requests if r["method"] in WRITE_METHODS and "dryRun" not in (r.get("query") or {})
              and r.get("content_type") != "application/apply-patch+yaml"]
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
