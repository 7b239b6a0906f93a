"""Which Tigera operator CRD schemas (operator.tigera.io/v1 Installation, APIServer, TigeraStatus) the fake serves.

What it reproduces, and from where
----------------------------------
The operator's CRDs as shipped with each Calico release the lab supports, read from the shared reference folder
(reference/calico-crds/INDEX.md): v3.32.1 (Calico's `charts/crd.projectcalico.org.v1/templates/operator.tigera.io_*`,
paired with tigera/operator v1.42.3) by default, or v3.21.6 (tigera/operator v1.23.8 `pkg/crds/operator/`) when
the environment variable FAKE_K8S_OPERATOR_VERSION is `v3.21.6`, so a role's Installation can be checked against
the schema of the Calico version a profile installs. All three kinds are cluster-scoped with a `/status`
subresource in both versions. The projectcalico.org kinds are unaffected (they stay v3.32.1's).
"""
import os

OPERATOR_SCHEMA_VERSIONS = ("v3.32.1", "v3.21.6")
OPERATOR_PLURALS = ("installations", "apiservers", "tigerastatuses")


def operator_schema_files(default_files):
    """The operator CRD files for the version FAKE_K8S_OPERATOR_VERSION names (default: `default_files`)."""
    version = os.environ.get("FAKE_K8S_OPERATOR_VERSION", "")
    if not version:
        return default_files
    if version not in OPERATOR_SCHEMA_VERSIONS:
        raise ValueError("FAKE_K8S_OPERATOR_VERSION must be one of %s, got %r"
                         % (", ".join(OPERATOR_SCHEMA_VERSIONS), version))
    return tuple("operator.tigera.io_%s_%s.yaml" % (plural, version) for plural in OPERATOR_PLURALS)
