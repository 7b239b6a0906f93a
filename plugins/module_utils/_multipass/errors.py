# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The one exception of the _multipass package, in a module of its own so that spec, cloud_init, cli and
reconcile can all raise it without importing each other."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class MultipassError(Exception):
    """A multipass call or a request that cannot be satisfied; ``kind`` says which mapped error it is
    (invalid, unsupported, missing, daemon_down, daemon_access, not_found, marker_missing, drift, ...)."""

    def __init__(self, msg, kind='failed', rc=None, stdout='', stderr='', command=None):
        super(MultipassError, self).__init__(msg)
        self.msg = msg
        self.kind = kind
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.command = command

    def as_fail_kwargs(self):
        result = {'msg': self.msg, 'error_kind': self.kind}
        if self.rc is not None:
            result.update(rc=self.rc, stdout=self.stdout, stderr=self.stderr)
        if self.command:
            result['failed_command'] = self.command
        return result
