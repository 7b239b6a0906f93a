#!/usr/bin/env bash
# The rehearsal (scripts/rehearsal.sh) against the test Kubernetes API: install_calico, yaobank and every course lab
# in course order, twice, with lab_observe=false; it checks the report (every flow of every lab predicted as the
# course promises, probes and checks not-run) and that the second run wrote nothing to the API and an identical
# report. Then the policy lab's steps and matrices in detail.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
report="$(mktemp -d)"
trap 'rm -rf "$report"' EXIT
CCOL1_REHEARSAL_REPORT_DIR="$report" bash "$root/scripts/rehearsal.sh"
# the lab's section is there, with the steps in course order
python3 - "$report/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
steps = []
for outcome in report["labs"]["lab_policy"]["outcomes"]:
    if outcome["step"] not in steps:
        steps.append(outcome["step"])
assert steps == ["compromise", "database-policy", "default-app-policy", "default-app-policy-dns",
                 "customer-summary-policies", "egress-lockdown", "customer-internet-egress"], steps
# each step with its title and the matrix of the lab's parties (4 sources, 6 destinations), flips marked
recorded = report["labs"]["lab_policy"]["steps"]
assert [step["name"] for step in recorded] == steps, recorded
assert all(step["title"] and len(step["matrix"]["cells"]) == 24 for step in recorded), recorded
flips = dict((step["name"], [(c["source"], c["destination"], c["allowed"]) for c in step["matrix"]["cells"]
                             if c["flipped"]]) for step in recorded)
assert flips["compromise"] == [], flips
assert ("yaobank/customer", "svc:yaobank/database TCP/2379", False) in flips["database-policy"], flips
assert sorted(flips["customer-internet-egress"]) == [("yaobank/customer", "8.8.8.8 ICMP", True),
                                                     ("yaobank/customer", "8.8.8.8 TCP/443", True)], flips
PY
