# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The reachability matrix of a course lab (docs/LAB_DATA.md), for the lab runner's report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.calicolab.ccol1.plugins.module_utils._lab import report


def lab_matrix_parties(lab, names=None):
    """calico_reachability ``matrix`` sources and destinations: every end the lab's flow outcomes name
    (see module_utils/_lab/report.matrix_parties); ``names`` ({host1: 198.19.15.254}) labels sources by address."""
    if names is not None and not isinstance(names, dict):
        raise AnsibleFilterError("lab_matrix_parties: names must map a name to an address, got %r" % (names,))
    try:
        return report.matrix_parties(lab, names)
    except report.ReportInputError as exc:
        raise AnsibleFilterError("lab_matrix_parties: %s" % exc)


class FilterModule(object):

    def filters(self):
        return {"lab_matrix_parties": lab_matrix_parties}
