# -*- coding: utf-8 -*-
"""Shared tables (multipass_cases.yml) and a scripted runner for the _multipass unit tests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

CASES = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), 'multipass_cases.yml')))


def table(name, key='id'):
    """pytest.param per row, named by the row's id when it has one."""
    return [pytest.param(row, id=str(row[key]) if isinstance(row, dict) and key in row else str(index))
            for index, row in enumerate(CASES[name])]


def version_of(row):
    return tuple(row['version']) if row.get('version') else None


class StubRunner:
    """Scripted runner: each call must match the next expected argv; returns its (rc, out, err)."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def __call__(self, argv, data=None):
        self.calls.append((argv, data))
        assert self.script, 'unexpected call %r' % (argv,)
        expected, rc, out, err = self.script.pop(0)
        assert argv[1:] == expected, 'expected %r, got %r' % (expected, argv[1:])
        return rc, out, err
