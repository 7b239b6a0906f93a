# Two entry points, both self-contained on a fresh machine (they create .venv and fetch what they need).
.PHONY: lab rig rehearsal test sanity units integration lint build clean

lab:  ## set up, then build the whole lab and run every course lab (needs Multipass)
	@command -v multipass >/dev/null || { echo "make lab: Multipass is not installed here; what runs instead: make rehearsal (the course's labs offline) or make rig (the lab's VMs as real Debian guests)"; exit 1; }
	bash -c '. scripts/dev-env.sh && ansible-playbook site.yml'

rig:  ## real Debian guests (nspawn) behind a rig-backed multipass: up, check, down; writes lab-report/rig.json (root)
	bash scripts/rig.sh all

rehearsal:  ## the course's labs offline against the test API server (lab_policy so far), report checked
	bash scripts/rehearsal.sh

test:  ## set up, then run every test stage (sanity, units, integration, lint, build, molecule)
	bash scripts/test-all.sh

sanity units integration lint build:
	bash scripts/test-all.sh $@

clean:
	rm -rf .cache dist tests/output
