# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The collection's claims about what it runs on match what is tested and documented: requires_ansible starts at
the ansible-core CI pins, and tests/config.yml's Python floor for modules is the one docs/DEVELOPING.md states."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def read(*parts):
    with open(os.path.join(ROOT, *parts)) as stream:
        return stream.read()


def pinned_ansible_core():
    found = re.search(r"^ansible-core==([0-9.]+)\s*$", read("requirements-test.txt"), re.MULTILINE)
    assert found, "requirements-test.txt pins no ansible-core"
    return found.group(1)


def test_requires_ansible_is_the_ansible_core_ci_tests():
    runtime = yaml.safe_load(read("meta", "runtime.yml"))
    assert runtime["requires_ansible"] == ">=%s" % pinned_ansible_core()


def test_the_python_floor_for_modules_is_the_documented_one():
    config = yaml.safe_load(read("tests", "config.yml"))
    documented = re.search(r"must compile on Python (3\.[0-9]+)\+", read("docs", "DEVELOPING.md"))
    assert documented, "docs/DEVELOPING.md no longer states the modules' Python floor"
    assert config["modules"]["python_requires"] == ">=%s" % documented.group(1)
