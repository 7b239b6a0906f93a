# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Cloud-init user data for Multipass, and the lab marker.

What Multipass does with user data (canonical/multipass ``launch.cpp`` and the daemon, v1.5.0 to v1.16.3):
the client parses it as YAML and sends the re-emitted YAML (yaml-cpp; comments are dropped), and the daemon
writes ``#cloud-config`` plus that YAML into the guest's seed. So only a YAML mapping survives the trip, and a
comment can never carry information into the guest.

The lab marker contract (what multipass_vm and the inventory plugin check):
- the guest has the file MARKER_PATH (``/etc/calicolab/lab-marker``), readable by every user (mode 0644),
- whose content, with surrounding whitespace removed, is exactly the marker (``calicolab.ccol1`` by default).
``render_cloud_init`` adds a ``write_files`` entry that writes it; anyone writing their own user data writes
the same entry. cloud-init writes it in its init stage, so it is in place once ``multipass launch`` returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    import traceback
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

MARKER_PATH = '/etc/calicolab/lab-marker'
MARKER_MODE = '0644'
DEFAULT_MARKER = 'calicolab.ccol1'
HEADER = '#cloud-config\n'
# A marker must stay a plain YAML string through Multipass's re-emission and cloud-init's parsing, so no
# spaces, quotes or colons, and never a bare number or boolean.
MARKER_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$')
YAML_WORDS = ('true', 'false', 'yes', 'no', 'on', 'off', 'null', 'y', 'n')


def validate_marker(marker):
    """None when the marker is usable, else a message naming lab_marker."""
    if marker is None or marker == '':
        return None
    if not MARKER_RE.match(marker) or not re.search(r'[A-Za-z]', marker) or marker.lower() in YAML_WORDS:
        return ('lab_marker: %r cannot be used; a marker is 1 to 63 letters, digits, dots, hyphens or underscores, '
                'starts with a letter or digit, holds at least one letter and is not a YAML word such as true'
                % (marker,))
    return None


def marker_file_entry(marker):
    """The write_files entry that puts the marker into the guest."""
    # No `permissions`: Multipass re-emits user data without quotes, so '0644' would reach cloud-init as the
    # YAML 1.1 octal number 420, which its schema refuses; cloud-init's default mode for write_files is 0644.
    return {'path': MARKER_PATH, 'owner': 'root:root', 'content': '%s\n' % marker}


def marker_matches(file_content, marker):
    """Whether the marker file's content (as ``cat`` printed it) is this marker."""
    return file_content is not None and bool(marker) and file_content.strip() == marker


def user_data_document(cloud_init):
    """The user data as a dict: a dict as given, a string parsed as YAML. Multipass re-emits user data as YAML,
    so a shell script, a MIME archive or an ``#include`` list cannot be passed through it."""
    if cloud_init is None:
        return {}
    if isinstance(cloud_init, dict):
        return dict(cloud_init)
    _require_yaml()
    try:
        document = yaml.safe_load(cloud_init)
    except yaml.YAMLError as exc:
        raise MultipassError('cloud_init: the content is not valid YAML (Multipass parses user data as YAML): %s'
                             % exc, kind='invalid')
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise MultipassError('cloud_init: Multipass passes user data on only as #cloud-config YAML (it parses and '
                             're-emits it), so the content must be a YAML mapping; this content starts with %r'
                             % cloud_init.lstrip()[:20], kind='invalid')
    return document


def render_cloud_init(cloud_init=None, marker=None):
    """Final cloud-init text: ``#cloud-config`` and the user data as YAML, with the marker file added to
    ``write_files`` when a marker is set (an entry of the user's own for MARKER_PATH is replaced). None when
    there is neither user data nor a marker."""
    if cloud_init is None and not marker:
        return None
    error = validate_marker(marker)
    if error:
        raise MultipassError(error, kind='invalid')
    document = user_data_document(cloud_init)
    if marker:
        files = document.get('write_files') or []
        if not isinstance(files, list):
            raise MultipassError('cloud_init: write_files must be a list, got %s' % type(files).__name__,
                                 kind='invalid')
        files = [entry for entry in files if not (isinstance(entry, dict) and entry.get('path') == MARKER_PATH)]
        document['write_files'] = files + [marker_file_entry(marker)]
    _require_yaml()
    return HEADER + yaml.safe_dump(document, default_flow_style=False, sort_keys=False)


def _require_yaml():
    if not HAS_YAML:
        raise MultipassError('PyYAML is required to render cloud-init', kind='missing_lib')
