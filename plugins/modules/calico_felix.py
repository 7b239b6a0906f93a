#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: calico_felix
short_description: Set or unset Felix settings in a Calico FelixConfiguration
version_added: 0.1.0
description:
  - Changes only the given keys of a C(projectcalico.org/v3) C(FelixConfiguration), by default the cluster-wide
    C(default) one, like C(calicoctl patch felixconfiguration ... --type merge).
  - Setting names are checked against the FelixConfiguration fields; an unknown name fails naming the closest
    known one. Values are type-checked and enumerations enforced before anything is written.
  - With O(state=absent) the keys of O(settings) are unset (their values are ignored). The C(default) object is
    never deleted; a C(node.<node>) object is deleted when O(settings) is not given.
author:
  - calicolab developers (@calicolab)
extends_documentation_fragment:
  - calicolab.ccol1.k8s_auth
  - calicolab.ccol1.calico_common
  - calicolab.ccol1.attributes
  - calicolab.ccol1.attributes.platform_kubernetes
  - calicolab.ccol1.attributes.actiongroup_calico
options:
  name:
    description:
      - Name of the FelixConfiguration. Felix reads V(default) and V(node.<node name>); Calico v3.32 adds
        selector-scoped configurations with other names. Calico accepts any DNS-1123 subdomain.
      - When neither O(name) nor O(node) is given, the cluster-wide V(default) is managed.
      - Mutually exclusive with O(node).
    type: str
  node:
    description:
      - Node name; manages the FelixConfiguration V(node.<node>).
    type: str
  settings:
    description:
      - Felix settings in the v3 spelling, for example C(wireguardEnabled), C(bpfEnabled),
        C(bpfExternalServiceMode), C(bpfKubeProxyIptablesCleanupEnabled), C(failsafeInboundHostPorts).
    type: dict
"""

EXAMPLES = r"""
- name: Enable WireGuard encryption
  calicolab.ccol1.calico_felix:
    settings:
      wireguardEnabled: true

- name: Move to the eBPF dataplane with DSR (kube-proxy keeps running)
  calicolab.ccol1.calico_felix:
    settings:
      bpfKubeProxyIptablesCleanupEnabled: false
      bpfEnabled: true
      bpfExternalServiceMode: DSR

- name: Go back to Felix's default for a setting
  calicolab.ccol1.calico_felix:
    settings:
      bpfExternalServiceMode:
    state: absent
"""

RETURN = r"""
resource:
  description: The object as stored after the task (predicted in check mode); empty when absent.
  returned: always
  type: dict
diff:
  description: The normalised object before and after, without server-managed metadata.
  returned: always
  type: dict
  contains:
    before:
      description: The object before the task.
      type: dict
    after:
      description: The object after the task.
      type: dict
method:
  description: What was done.
  returned: always
  type: str
  sample: patched
problems:
  description: On bad input, each problem found (field, value and what is allowed); nothing was written.
  returned: failure
  type: list
  elements: str
  sample: ['spec.blockSize is 33: expected an integer from 20 to 32 for IPv4.']
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.api import API_VERSION
from ansible_collections.calicolab.ccol1.plugins.module_utils._k8s.client import HAS_K8S, K8S_IMPORT_ERROR
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.resource import (
    CalicoRequestError,
    calico_argument_spec,
    run_module,
    run_with_errors,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.felix_settings import (
    FELIX_FIELDS,
    closest_felix_field,
    felix_setting_problems,
    field_exists,
)

ARGUMENT_SPEC = calico_argument_spec({
    "name": {"type": "str"},
    "node": {"type": "str"},
    "settings": {"type": "dict"},
}, replace=False)


def object_name(params):
    if params.get("node"):
        return "node.%s" % params["node"]
    return params.get("name") or "default"


def _unknown_key_problems(settings):
    problems = []
    for key in sorted(settings):
        if key not in FELIX_FIELDS:
            closest = closest_felix_field(key)
            hint = " (did you mean %s?)" % closest if closest else ""
            problems.append("settings.%s is not a FelixConfiguration setting%s" % (key, hint))
    return problems


def settings_problems(params):
    """Problems found before the cluster's release is known: names no release has, and values of the settings the
    newest release has. A setting only older releases have is checked against the detected release later, when the
    whole object is validated before writing."""
    settings = params.get("settings") or {}
    problems = _unknown_key_problems(settings)
    if params.get("state") != "absent":
        newest_release_settings = dict((key, value) for key, value in settings.items() if field_exists(key))
        problems.extend(felix_setting_problems(newest_release_settings, path="settings"))
    return problems


def build_request(params):
    """Module parameters → the FelixConfiguration request (only the given keys)."""
    name = object_name(params)  # its rules follow the cluster's release: checked with the object before writing
    problems = settings_problems(params)
    if problems:
        raise CalicoRequestError("Invalid Felix settings: %s" % "; ".join(problems), problems)
    if params.get("state") == "absent" and not params.get("settings") and name == "default":
        problem = "state=absent without settings would delete FelixConfiguration default; list the settings to unset"
        raise CalicoRequestError(problem, [problem])
    request = {"apiVersion": API_VERSION, "kind": "FelixConfiguration", "metadata": {"name": name}}
    if params.get("state") != "absent":
        request["spec"] = dict(params.get("settings") or {})
    return request


def unset_paths(params):
    """Key paths to unset: the settings' keys when state=absent."""
    if params.get("state") != "absent":
        return None
    return [["spec", key] for key in sorted(params.get("settings") or {})] or None


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("name", "node")],
    )
    if not HAS_K8S:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=K8S_IMPORT_ERROR)
    request = run_with_errors(module, build_request)
    run_module(module, request, unset=unset_paths(module.params))


if __name__ == "__main__":
    main()
