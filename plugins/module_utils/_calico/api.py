# -*- coding: utf-8 -*-
# Copyright (c) calicolab.ccol1 contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The projectcalico.org/v3 API in one place: group, version, kinds, their scope, and Calico releases.

Rules that differ by Calico release follow the release the cluster runs. A release is a (major, minor)
tuple such as (3, 21); None means the newest release these modules know.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

API_GROUP = "projectcalico.org"
API_VERSION = "projectcalico.org/v3"

POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy")
GLOBAL_POLICY_KINDS = ("GlobalNetworkPolicy", "StagedGlobalNetworkPolicy")
NAMESPACED_KINDS = ("NetworkPolicy", "StagedNetworkPolicy", "StagedKubernetesNetworkPolicy", "NetworkSet")
CLUSTER_KINDS = (
    "GlobalNetworkPolicy", "StagedGlobalNetworkPolicy", "FelixConfiguration", "BGPConfiguration", "BGPPeer",
    "BGPFilter", "IPPool", "IPReservation", "KubeControllersConfiguration", "HostEndpoint", "GlobalNetworkSet",
    "Tier", "ClusterInformation", "CalicoNodeStatus", "IPAMConfiguration", "BlockAffinity",
)
# Felix and BIRD read the object named "default" and the ones named "node.<nodename>".
PER_NODE_CONFIG_KINDS = ("FelixConfiguration", "BGPConfiguration")

OLDEST_CALICO_VERSION = (3, 21)
NEWEST_CALICO_VERSION = (3, 32)


def release(calico_version):
    """The (major, minor) release a rule should follow; None means the newest known release."""
    if not calico_version:
        return NEWEST_CALICO_VERSION
    return tuple(int(part) for part in tuple(calico_version)[:2])


def at_least(calico_version, minimum):
    """True when the cluster's release (None = newest) is ``minimum`` or later."""
    return release(calico_version) >= tuple(minimum)


def release_text(calico_version):
    major, minor = release(calico_version)
    return "v%d.%d" % (major, minor)
