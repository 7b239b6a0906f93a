#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: calico_ippool
short_description: Manage Calico IPPool objects
version_added: 0.1.0
description:
  - Creates, updates or deletes a C(projectcalico.org/v3) C(IPPool) through the Kubernetes API.
  - Fields not given take Calico's defaults on creation (block size 26 or 122, modes V(Never), node selector
    C(all()), allowed uses Workload and Tunnel), and the comparison knows them, so re-applying reports no change.
  - Deleting a pool goes through the Calico API, which disables the pool and releases its blocks first.
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
  name:
    description:
      - Name of the IPPool.
    type: str
    required: true
  cidr:
    description:
      - The pool's CIDR, strictly masked (no host bits). Required to create a pool; cannot change later.
    type: str
  block_size:
    description:
      - Prefix length of the blocks handed to nodes, 20-32 for IPv4 and 116-128 for IPv6. Cannot change later.
    type: int
  ipip_mode:
    description:
      - IP-in-IP encapsulation (IPv4 only).
    type: str
    choices: [Always, CrossSubnet, Never]
  vxlan_mode:
    description:
      - VXLAN encapsulation.
    type: str
    choices: [Always, CrossSubnet, Never]
  nat_outgoing:
    description:
      - Masquerade traffic from this pool to destinations outside all Calico pools.
    type: bool
  disabled:
    description:
      - Stop allocating addresses from this pool.
    type: bool
  disable_bgp_export:
    description:
      - Do not advertise the pool's routes over BGP.
    type: bool
  node_selector:
    description:
      - Selector of the nodes that allocate from this pool, for example V(!all()) for none.
    type: str
  allowed_uses:
    description:
      - What addresses from this pool may be used for.
    type: list
    elements: str
    choices: [Workload, Tunnel, LoadBalancer]
"""

EXAMPLES = r"""
- name: The course's externally routable pool
  calicolab.ccol1.calico_ippool:
    name: external-pool
    cidr: 198.19.24.0/21
    block_size: 29
    ipip_mode: Never
    nat_outgoing: true
    node_selector: "!all()"
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
    calico_argument_spec,
    run_module,
    run_with_errors,
    set_if_given,
)

ARGUMENT_SPEC = calico_argument_spec({
    "name": {"type": "str", "required": True},
    "cidr": {"type": "str"},
    "block_size": {"type": "int"},
    "ipip_mode": {"type": "str", "choices": ["Always", "CrossSubnet", "Never"]},
    "vxlan_mode": {"type": "str", "choices": ["Always", "CrossSubnet", "Never"]},
    "nat_outgoing": {"type": "bool"},
    "disabled": {"type": "bool"},
    "disable_bgp_export": {"type": "bool"},
    "node_selector": {"type": "str"},
    "allowed_uses": {"type": "list", "elements": "str", "choices": ["Workload", "Tunnel", "LoadBalancer"]},
}, replace=True)

SPEC_FIELDS = (
    ("cidr", "cidr"), ("block_size", "blockSize"), ("ipip_mode", "ipipMode"), ("vxlan_mode", "vxlanMode"),
    ("nat_outgoing", "natOutgoing"), ("disabled", "disabled"), ("disable_bgp_export", "disableBGPExport"),
    ("node_selector", "nodeSelector"), ("allowed_uses", "allowedUses"),
)


def build_request(params):
    """Module parameters → the IPPool object to apply."""
    spec = {}
    for option, field in SPEC_FIELDS:
        set_if_given(spec, field, params.get(option))
    request = {"apiVersion": API_VERSION, "kind": "IPPool", "metadata": {"name": params["name"]}}
    if params.get("state") != "absent":
        request["spec"] = spec
    return request


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_K8S:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=K8S_IMPORT_ERROR)
    request = run_with_errors(module, build_request)
    run_module(module, request)


if __name__ == "__main__":
    main()
