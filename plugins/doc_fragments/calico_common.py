# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Options and attributes every Calico resource module shares."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # state and replace, as every calico_* module offers them
    DOCUMENTATION = r"""
options:
  state:
    description:
      - V(present) creates the object or updates it to match; V(absent) deletes it.
      - Objects are compared after Calico's defaults and canonical forms, so re-applying what Calico already
        stores reports no change and writes nothing.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the live object and reports the predicted object and diff without writing.
  diff_mode:
    support: full
    description: The diff shows the normalised object before and after, without server-managed metadata.
  platform:
    support: full
    platforms: kubernetes
    description: Talks to the Kubernetes API; run it on any host that reaches the cluster.
"""

    # for modules that can replace the whole object
    REPLACE = r"""
options:
  replace:
    description:
      - With V(false), the given fields are merged into the live object (a JSON merge patch, like
        C(calicoctl patch)); fields not given keep their live values.
      - With V(true), the object is replaced (HTTP PUT) so that fields not given are removed.
    type: bool
    default: false
"""

    # for modules taking a whole manifest
    DEFINITION = r"""
options:
  definition:
    description:
      - A whole C(projectcalico.org/v3) manifest as a dictionary or a YAML string, as C(calicoctl apply -f)
        takes it. C(apiVersion) defaults to C(projectcalico.org/v3).
      - Server-managed metadata in it (C(resourceVersion), C(uid), C(creationTimestamp)) is ignored.
    type: raw
"""
