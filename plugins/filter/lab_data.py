# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Filters over the course labs' data (docs/LAB_DATA.md), for the lab runner role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.calicolab.ccol1.plugins.module_utils._lab import steps


def lab_step_changes(lab, step_name):
    """calico_reachability changes that restate the cluster as the step leaves it (see module_utils/_lab/steps)."""
    if not isinstance(lab, dict):
        raise AnsibleFilterError("lab_step_changes expects a lab (a dict with steps), got %r" % (lab,))
    try:
        return steps.step_changes(lab, step_name)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("lab_step_changes: %s" % exc)


def lab_later_definition(lab, step_name, definition):
    """A later step's version of the same object, or None (see module_utils/_lab/steps.later_definition)."""
    if not isinstance(lab, dict):
        raise AnsibleFilterError("lab_later_definition expects a lab (a dict with steps), got %r" % (lab,))
    try:
        return steps.later_definition(lab, step_name, definition)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("lab_later_definition: %s" % exc)


def lab_final_state(lab):
    """The lab's end state as one set of apply/remove/patch writes (see module_utils/_lab/steps.final_state)."""
    if not isinstance(lab, dict):
        raise AnsibleFilterError("lab_final_state expects a lab (a dict with steps), got %r" % (lab,))
    try:
        return steps.final_state(lab)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("lab_final_state: %s" % exc)


def lab_reset_changes(lab):
    """Changes that restate the cluster as it was before the lab (see module_utils/_lab/steps.reset_changes)."""
    if not isinstance(lab, dict):
        raise AnsibleFilterError("lab_reset_changes expects a lab (a dict with steps), got %r" % (lab,))
    try:
        return steps.reset_changes(lab)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("lab_reset_changes: %s" % exc)


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
