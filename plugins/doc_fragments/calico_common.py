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
      - The request is validated with the rules of the Calico release the cluster runs (read once from the
        C(ClusterInformation) C(default) and cached for some minutes; the newest rules when it cannot be read).
        Only what the request sets is judged; values the live object already holds are the server's business.
        Valid but probably unintended input is reported as a warning.
    type: str
    choices: [present, absent]
    default: present
# The attributes' descriptions, the platform and the action group come from calicolab.ccol1.attributes.
attributes:
  check_mode:
    support: full
    details:
      - Reads the live object and reports the predicted object and diff without writing.
  diff_mode:
    support: full
    details:
      - The diff shows the normalised object before and after, without server-managed metadata, with selectors
        spelled as the user wrote them.
"""

    # for modules that can replace the whole object
    REPLACE = r"""
options:
  replace:
    description:
      - With V(true), the request becomes the whole object, as with C(calicoctl apply -f) (an update, HTTP PUT,
        or a create), so what it does not set is removed, apart from Calico's defaults and the labels Calico
        itself adds.
      - With V(false), the given fields are merged into the live object (a JSON merge patch, like
        C(calicoctl patch)); fields not given keep their live values. Use it for partial updates.
      - When not given, V(true) if the module takes a whole manifest in C(definition), V(false) for the
        module's other options.
    type: bool
"""

    # for modules taking a whole manifest
    DEFINITION = r"""
options:
  definition:
    description:
      - A whole C(projectcalico.org/v3) manifest as a dictionary or a YAML string, as C(calicoctl apply -f)
        takes it. C(apiVersion) defaults to C(projectcalico.org/v3).
      - It is applied whole, as C(calicoctl apply -f) does, so re-applying a shorter manifest removes what it no
        longer has; with O(replace=false) it is merged into the live object instead.
      - Server-managed metadata in it (C(resourceVersion), C(uid), C(creationTimestamp)) is ignored.
    type: raw
"""
