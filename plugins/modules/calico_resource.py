#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: calico_resource
short_description: Manage any Calico projectcalico.org/v3 object from a manifest
version_added: 0.1.0
description:
  - Creates, updates or deletes any C(projectcalico.org/v3) object given as a manifest, for example the
    C(KubeControllersConfiguration) C(default), a C(HostEndpoint), a C(GlobalNetworkSet) or a C(NetworkSet).
  - The manifest becomes the whole object, like C(calicoctl apply -f), so what it does not set is removed; with
    O(replace=false) it is merged into the live object instead, like C(calicoctl patch --type merge).
  - The request is validated as Calico would before anything is written, and compared after Calico's
    defaults, so re-applying reports no change.
author:
  - calicolab developers (@calicolab)
extends_documentation_fragment:
  - calicolab.ccol1.k8s_auth
  - calicolab.ccol1.calico_common
  - calicolab.ccol1.attributes
  - calicolab.ccol1.attributes.platform_kubernetes
  - calicolab.ccol1.attributes.actiongroup_calico
  - calicolab.ccol1.calico_common.replace
options:
  definition:
    description:
      - A whole C(projectcalico.org/v3) manifest as a dictionary or a YAML string, as C(calicoctl apply -f)
        takes it. C(apiVersion) defaults to C(projectcalico.org/v3).
      - Applied whole unless O(replace=false).
      - Server-managed metadata in it (C(resourceVersion), C(uid), C(creationTimestamp)) is ignored.
    type: raw
    required: true
seealso:
  - module: calicolab.ccol1.calico_policy
  - module: calicolab.ccol1.calico_felix
"""

EXAMPLES = r"""
- name: Let kube-controllers create host endpoints for every node (the course's merge patch)
  calicolab.ccol1.calico_resource:
    replace: false
    definition:
      apiVersion: projectcalico.org/v3
      kind: KubeControllersConfiguration
      metadata:
        name: default
      spec:
        controllers:
          node:
            hostEndpoint:
              autoCreate: Enabled

- name: A host endpoint for one interface
  calicolab.ccol1.calico_resource:
    definition:
      kind: HostEndpoint
      metadata:
        name: node1-eth0
        labels:
          role: k8s-worker
      spec:
        node: node1
        interfaceName: eth0
        expectedIPs: [198.19.0.2]
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

from ansible_collections.calicolab.ccol1.plugins.module_utils._k8s.client import HAS_K8S, K8S_IMPORT_ERROR
from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.resource import (
    calico_argument_spec,
    load_definition,
    run_module,
    run_with_errors,
)

ARGUMENT_SPEC = calico_argument_spec({"definition": {"type": "raw", "required": True}}, replace=True)


def build_request(params):
    """Module parameters → the object to apply (the manifest as given)."""
    return load_definition(params["definition"])


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_K8S:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=K8S_IMPORT_ERROR)
    request = run_with_errors(module, build_request)
    run_module(module, request)


if __name__ == "__main__":
    main()
