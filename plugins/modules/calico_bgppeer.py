#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: calico_bgppeer
short_description: Manage Calico BGPPeer objects
version_added: 0.1.0
description:
  - Creates, updates or deletes a C(projectcalico.org/v3) C(BGPPeer) through the Kubernetes API.
  - Without O(node) and O(node_selector) the peering applies to every Calico node (a global peer).
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
      - Name of the BGPPeer.
    type: str
    required: true
  peer_ip:
    description:
      - Address of the peer, optionally with a port (V(198.19.15.254), V(198.19.15.254:1179), V([fd00::1]:1179)).
    type: str
  as_number:
    description:
      - AS number of the peer as an integer, a digit string or asdot V(A.B); stored as an integer.
    type: raw
  node:
    description:
      - Only this Calico node peers. Mutually exclusive with O(node_selector).
    type: str
  node_selector:
    description:
      - Selector of the Calico nodes that peer.
    type: str
  peer_selector:
    description:
      - Selector of Calico nodes to peer with (instead of O(peer_ip) and O(as_number)).
    type: str
  keep_original_next_hop:
    description:
      - Keep the original next hop of routes sent to an eBGP peer.
    type: bool
  peer_password:
    description:
      - The BGP session password, read from a Kubernetes secret in the calico-node namespace
        (C(spec.password.secretKeyRef)).
    type: dict
    suboptions:
      secret_name:
        description:
          - Name of the secret.
        type: str
        required: true
      secret_key:
        description:
          - Key in the secret that holds the password.
        type: str
        required: true
  source_address:
    description:
      - Whether the session uses the node IP as source address.
    type: str
    choices: [UseNodeIP, None]
  max_restart_time:
    description:
      - Graceful restart time, a duration such as V(120s).
    type: str
"""

EXAMPLES = r"""
- name: Peer every node with the lab router host1 (as in the course)
  calicolab.ccol1.calico_bgppeer:
    name: bgppeer-global-host1
    peer_ip: 198.19.15.254
    as_number: 64512

- name: Node-specific peer with a password from a secret
  calicolab.ccol1.calico_bgppeer:
    name: node1-tor
    node: node1
    peer_ip: 198.19.0.254
    as_number: "1.10"
    peer_password:
      secret_name: bgp-secrets
      secret_key: tor-password
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
    canonical_as_number,
    run_module,
    run_with_errors,
    set_if_given,
)

ARGUMENT_SPEC = calico_argument_spec({
    "name": {"type": "str", "required": True},
    "peer_ip": {"type": "str"},
    "as_number": {"type": "raw"},
    "node": {"type": "str"},
    "node_selector": {"type": "str"},
    "peer_selector": {"type": "str"},
    "keep_original_next_hop": {"type": "bool"},
    "peer_password": {"type": "dict", "no_log": False, "options": {
        "secret_name": {"type": "str", "required": True},
        "secret_key": {"type": "str", "required": True, "no_log": False},
    }},
    "source_address": {"type": "str", "choices": ["UseNodeIP", "None"]},
    "max_restart_time": {"type": "str"},
}, replace=True)

SPEC_FIELDS = (
    ("peer_ip", "peerIP"), ("node", "node"), ("node_selector", "nodeSelector"), ("peer_selector", "peerSelector"),
    ("keep_original_next_hop", "keepOriginalNextHop"), ("source_address", "sourceAddress"),
    ("max_restart_time", "maxRestartTime"),
)


def build_request(params):
    """Module parameters → the BGPPeer object to apply."""
    spec = {}
    for option, field in SPEC_FIELDS:
        set_if_given(spec, field, params.get(option))
    set_if_given(spec, "asNumber", canonical_as_number(params.get("as_number")))
    secret = params.get("peer_password")
    if secret:
        spec["password"] = {"secretKeyRef": {"name": secret["secret_name"], "key": secret["secret_key"]}}
    request = {"apiVersion": API_VERSION, "kind": "BGPPeer", "metadata": {"name": params["name"]}}
    if params.get("state") != "absent":
        request["spec"] = spec
    return request


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("node", "node_selector"), ("peer_selector", "peer_ip"), ("peer_selector", "as_number")],
    )
    if not HAS_K8S:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=K8S_IMPORT_ERROR)
    request = run_with_errors(module, build_request)
    run_module(module, request)


if __name__ == "__main__":
    main()
