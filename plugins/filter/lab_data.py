# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Filters over the course labs' data (docs/LAB_DATA.md), for the lab runner role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.calicolab.ccol1.plugins.module_utils._lab import steps


def _over_lab(filter_name, function, lab, *args):
    """Run a module_utils/_lab/steps function for a filter: a lab that is not a dict, or lab data the function
    cannot read, fails as a filter error naming the filter."""
    if not isinstance(lab, dict):
        raise AnsibleFilterError("%s expects a lab (a dict with steps), got %r" % (filter_name, lab))
    try:
        return function(lab, *args)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("%s: %s" % (filter_name, exc))


def lab_step_changes(lab, step_name):
    """calico_reachability changes that restate the cluster as the step leaves it (see module_utils/_lab/steps)."""
    return _over_lab("lab_step_changes", steps.step_changes, lab, step_name)


def lab_later_definition(lab, step_name, definition):
    """A later step's version of the same object, or None (see module_utils/_lab/steps.later_definition)."""
    return _over_lab("lab_later_definition", steps.later_definition, lab, step_name, definition)


def lab_final_state(lab):
    """The lab's end state as one set of apply/remove/patch writes (see module_utils/_lab/steps.final_state)."""
    return _over_lab("lab_final_state", steps.final_state, lab)


def lab_reset_changes(lab):
    """Changes that restate the cluster as it was before the lab (see module_utils/_lab/steps.reset_changes)."""
    return _over_lab("lab_reset_changes", steps.reset_changes, lab)


def lab_step_flows(step):
    """A step's flow outcomes as calico_reachability flows (see module_utils/_lab/steps.step_flows)."""
    if not isinstance(step, dict):
        raise AnsibleFilterError("lab_step_flows expects a lab step (a dict), got %r" % (step,))
    return steps.step_flows(step)


class FilterModule(object):

    def filters(self):
        return {"lab_step_changes": lab_step_changes, "lab_later_definition": lab_later_definition,
                "lab_final_state": lab_final_state, "lab_reset_changes": lab_reset_changes,
                "lab_step_flows": lab_step_flows}
