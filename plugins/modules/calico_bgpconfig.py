#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: calico_bgpconfig
short_description: Manage Calico BGPConfiguration objects
version_added: 0.1.0
description:
  - Creates, updates or deletes a C(projectcalico.org/v3) C(BGPConfiguration), by default the cluster-wide
    C(default) one.
  - Only the given fields change (unless O(replace=true)), so advertising service external IPs keeps the
    cluster IPs already advertised, as C(calicoctl patch bgpconfig) does.
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
      - Name of the BGPConfiguration, V(default) or V(node.<node name>).
    type: str
    default: default
  as_number:
    description:
      - Default AS number of the nodes, as an integer, a digit string or asdot V(A.B).
    type: raw
  node_to_node_mesh_enabled:
    description:
      - Whether all nodes peer with each other (the full mesh).
    type: bool
  log_severity_screen:
    description:
      - BIRD log level, for example V(Info) or V(Debug).
    type: str
  listen_port:
    description:
      - Port BIRD listens on.
    type: int
  service_cluster_ips:
    description:
      - CIDRs of service cluster IPs to advertise; each becomes one C(cidr) entry of C(serviceClusterIPs).
    type: list
    elements: str
  service_external_ips:
    description:
      - CIDRs of service external IPs to advertise (C(serviceExternalIPs)).
    type: list
    elements: str
  service_load_balancer_ips:
    description:
      - CIDRs of service load balancer IPs to advertise (C(serviceLoadBalancerIPs)).
    type: list
    elements: str
  communities:
    description:
      - Named BGP communities, passed through in the v3 spelling (C(name), C(value)).
    type: list
    elements: dict
  prefix_advertisements:
    description:
      - Communities to attach to prefixes, passed through in the v3 spelling (C(cidr), C(communities)).
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Advertise the service cluster IP range (as in the course)
  calicolab.ccol1.calico_bgpconfig:
    service_cluster_ips: [198.19.32.0/20]

- name: Also advertise the external IP range
  calicolab.ccol1.calico_bgpconfig:
    service_external_ips: [198.19.48.0/20]
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
    "name": {"type": "str", "default": "default"},
    "as_number": {"type": "raw"},
    "node_to_node_mesh_enabled": {"type": "bool"},
    "log_severity_screen": {"type": "str"},
    "listen_port": {"type": "int"},
    "service_cluster_ips": {"type": "list", "elements": "str"},
    "service_external_ips": {"type": "list", "elements": "str"},
    "service_load_balancer_ips": {"type": "list", "elements": "str"},
    "communities": {"type": "list", "elements": "dict"},
    "prefix_advertisements": {"type": "list", "elements": "dict"},
}, replace=True)

PLAIN_FIELDS = (
    ("node_to_node_mesh_enabled", "nodeToNodeMeshEnabled"), ("log_severity_screen", "logSeverityScreen"),
    ("listen_port", "listenPort"), ("communities", "communities"),
    ("prefix_advertisements", "prefixAdvertisements"),
)
CIDR_LIST_FIELDS = (
    ("service_cluster_ips", "serviceClusterIPs"), ("service_external_ips", "serviceExternalIPs"),
    ("service_load_balancer_ips", "serviceLoadBalancerIPs"),
)


def build_request(params):
    """Module parameters → the BGPConfiguration object to apply."""
    spec = {}
    for option, field in PLAIN_FIELDS:
        set_if_given(spec, field, params.get(option))
    for option, field in CIDR_LIST_FIELDS:
        if params.get(option) is not None:
            spec[field] = [{"cidr": cidr} for cidr in params[option]]
    set_if_given(spec, "asNumber", canonical_as_number(params.get("as_number")))
    request = {"apiVersion": API_VERSION, "kind": "BGPConfiguration", "metadata": {"name": params["name"]}}
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
