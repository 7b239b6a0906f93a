# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The attributes every module of the collection documents, written once.

A module lists ``calicolab.ccol1.attributes`` (check_mode and diff_mode), one platform fragment and its action
group fragment, then sets only ``support`` (and ``details`` where it differs) per attribute. A module that
only reads lists ``calicolab.ccol1.attributes.info_module`` too, which sets both supports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description:
      - With C(--check) the module computes and returns what it would change, and changes nothing.
  diff_mode:
    description:
      - With C(--diff) the module returns the object before and after the change, as YAML-friendly data.
"""

    # Only reads: check mode changes nothing about what it does, and there is nothing to diff.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This module only reads, so it runs unchanged in check mode.
  diff_mode:
    support: N/A
    details:
      - This module only reads; there is nothing to diff.
"""

    ACTIONGROUP_CALICO = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/calicolab.ccol1.calico) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - calicolab.ccol1.calico
"""

    ACTIONGROUP_MULTIPASS = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/calicolab.ccol1.multipass) in C(module_defaults) to set shared options once.
    support: full
    membership:
      - calicolab.ccol1.multipass
"""

    PLATFORM_KUBERNETES = r"""
options: {}
attributes:
  platform:
    description: Where the module can run.
    support: full
    platforms: all
    details:
      - Runs on any host that reaches the Kubernetes API, the Ansible controller included; nothing is run on
        the cluster's nodes.
"""

    PLATFORM_MULTIPASS = r"""
options: {}
attributes:
  platform:
    description: Where the module can run.
    support: full
    platforms: posix
    details:
      - Runs on the host where the C(multipass) client is installed and its daemon is reachable.
"""
