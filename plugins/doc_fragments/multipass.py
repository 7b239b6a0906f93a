# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  multipass_path:
    description:
      - Path or name of the C(multipass) executable.
      - When not set, C(multipass) is looked up on E(PATH), then in C(/snap/bin), C(/usr/local/bin) and
        C(/opt/homebrew/bin).
    type: path
requirements:
  - Multipass 1.5 or later on the host the module runs on (usually the controller, with C(delegate_to) or
    C(connection=local)).
notes:
  - Only the JSON output of C(multipass) is parsed (C(--format json)).
  - When the Multipass daemon cannot be reached (exit code 2 and C(cannot connect to the multipass socket), or
    exit code 3) the module fails with C(error_kind=daemon_down) and says how to start it.
'''
