# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""ansible.cfg holds only keys the installed ansible-core reads: its base settings, or options of the plugins
the file configures, as their own documentation declares them (section and key)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import configparser
import os
import warnings

import pytest

from ansible import constants as C
from ansible.plugins.loader import callback_loader, connection_loader, fragment_loader, init_plugin_loader
from ansible.utils.plugin_docs import get_docstring

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIGURED_PLUGINS = ((callback_loader, "ansible.builtin.default"), (connection_loader, "ansible.builtin.ssh"))


def ini_keys(definitions):
    return set((ini["section"], ini["key"]) for definition in definitions.values()
               for ini in definition.get("ini") or [])


def plugin_ini_keys(loader, name):
    path = loader.find_plugin(name)
    doc = get_docstring(path, fragment_loader, collection_name="ansible.builtin", is_module=False)[0]
    return ini_keys(doc.get("options") or {})


@pytest.fixture(scope="module")
def known_keys():
    with warnings.catch_warnings():
        # under ansible-test the collection finder is already in place; loading plugins needs it, not twice
        warnings.filterwarnings("ignore", message="AnsibleCollectionFinder has already been configured")
        init_plugin_loader()
    keys = ini_keys(C.config.get_configuration_definitions())
    for loader, name in CONFIGURED_PLUGINS:
        keys |= plugin_ini_keys(loader, name)
    return keys


def collection_cfg_keys():
    parser = configparser.ConfigParser()
    with open(os.path.join(ROOT, "ansible.cfg")) as stream:
        parser.read_file(stream)
    return sorted((section, key) for section in parser.sections() for key in parser[section])


def test_the_known_keys_are_read(known_keys):
    assert ("defaults", "forks") in known_keys
    assert ("defaults", "callback_result_format") in known_keys  # from the default callback's options
    assert ("defaults", "result_format") not in known_keys  # the key ansible.cfg used to carry, never read


@pytest.mark.parametrize("section, key", collection_cfg_keys())
def test_every_ansible_cfg_key_is_read_by_ansible_core(known_keys, section, key):
    assert (section, key) in known_keys, "[%s] %s is not a key ansible-core or the configured plugins read" % (
        section, key)


def test_results_are_shown_as_yaml_by_the_default_callback():
    assert ("defaults", "callback_result_format") in collection_cfg_keys()
