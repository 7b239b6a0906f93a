# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The multipass CLI in one place: find the binary, run it, parse its JSON, map its exit codes and errors.

Plain Python: nothing here imports AnsibleModule. Modules hand in a runner built by ``module_runner``;
unit tests hand in a stub callable ``run(argv, data=None) -> (rc, stdout, stderr)``.
Facts from canonical/multipass (shared/reference/source-audit.md, Multipass table). Runs on target hosts, so it
must stay Python 3.8 compatible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import shutil
import time

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cloud_init import MARKER_PATH
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.spec import (
    DELETED,
    info_argv,
    parse_size,
    parse_version,
    version_supports,
)

# Exit codes of the multipass client (canonical/multipass ReturnCode). An unreachable daemon is reported as
# CommandFail (2) with the text below: the client turns gRPC UNAVAILABLE into a NOT_FOUND status
# (include/multipass/cli/command.h, v1.5.0 on). DaemonFail (3) is left for other UNAVAILABLE answers.
RC_OK = 0
RC_CLI_ERROR = 1
RC_COMMAND_FAILED = 2
RC_DAEMON_FAIL = 3
RC_RETRY = 4
SOCKET_UNREACHABLE = 'cannot connect to the multipass socket'
SOCKET_DENIED = 'multipass socket access denied'

DAEMON_DOWN_HINT = (
    'the multipass daemon is not running or cannot be reached; start it with '
    '"sudo snap start multipass" (Linux), '
    '"sudo launchctl kickstart -k system/com.canonical.multipassd" (macOS) '
    'or "Start-Service Multipass" (Windows), then retry')
DAEMON_ACCESS_HINT = ('the multipass daemon refused access to its socket; run as a user with read and write '
                      'permission on the socket')


# ----------------------------------------------------------------------------------------------------------
# error mapping

def daemon_unreachable(rc, stderr):
    """'daemon_down', 'daemon_access' or None, from the texts the client prints (any command, exec included)."""
    text = (stderr or '').lower()
    if rc in (RC_COMMAND_FAILED, RC_DAEMON_FAIL) and SOCKET_UNREACHABLE in text:
        return 'daemon_down'
    if rc == RC_COMMAND_FAILED and SOCKET_DENIED in text:
        return 'daemon_access'
    return None


def classify_error(rc, stderr):
    """Map a non-zero exit of a multipass command (not of a guest command run by exec) to one word:
    daemon_down, daemon_access, not_found, already_exists, deleted, transient, timeout, usage or failed."""
    text = (stderr or '').lower()
    unreachable = daemon_unreachable(rc, stderr)
    if unreachable:
        return unreachable
    if rc == RC_DAEMON_FAIL:
        return 'daemon_down'
    if 'does not exist' in text:
        return 'not_found'
    if 'already exists' in text:
        return 'already_exists'
    if 'is deleted' in text:
        return 'deleted'
    if 'timed out' in text or 'timeout' in text:
        return 'timeout'
    if rc == RC_RETRY or 'socket error' in text or 'connection reset' in text:
        return 'transient'
    if rc == RC_CLI_ERROR:
        return 'usage'
    return 'failed'


def error_message(kind, command, stderr):
    detail = (stderr or '').strip()
    hint = {'daemon_down': DAEMON_DOWN_HINT, 'daemon_access': DAEMON_ACCESS_HINT}.get(kind)
    if hint:
        return '%s (command: %s; multipass said: %s)' % (hint, command, detail or 'nothing')
    return 'command "%s" failed: %s' % (command, detail or 'no error text')


# ----------------------------------------------------------------------------------------------------------
# parsing (JSON only)

def _to_int(value):
    """multipass writes cpu_count and disk sizes as strings, memory as integers, and '' when stopped."""
    if value is None or value == '' or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        try:
            return int(float(str(value).strip()))
        except ValueError:
            return None


def load_json(text, command):
    try:
        return json.loads(text or '')
    except ValueError as exc:
        raise MultipassError('command "%s" did not print JSON (%s); output began with %r'
                             % (command, exc, (text or '')[:80]), kind='bad_output')


def usable_ipv4(addresses):
    """The entries that are IPv4 addresses. Since 1.10 ``ipv4`` holds the literal "N/A" when an instance has no
    valid management address; that and anything else unparsable is dropped."""
    return [text for text in addresses or [] if _ipv4_address(text) is not None]


def parse_list(document):
    """``multipass list --format json`` → list of facts dicts (name, state, ipv4, release)."""
    result = []
    for entry in document.get('list') or []:
        result.append({
            'name': entry.get('name'),
            'state': entry.get('state') or 'Unknown',
            'ipv4': usable_ipv4(entry.get('ipv4')),
            'release': entry.get('release') or '',
        })
    return result


def _disk_totals(disks):
    total = used = None
    for disk_name in sorted(disks):
        disk = disks[disk_name] or {}
        size = _to_int(disk.get('total'))
        if size is not None:
            total = (total or 0) + size
            used = (used or 0) + (_to_int(disk.get('used')) or 0)
    return total, used


def parse_info_entry(name, entry):
    """One instance of ``multipass info --format json`` → facts; runtime fields are None when stopped."""
    memory = entry.get('memory') or {}
    disk_total, disk_used = _disk_totals(entry.get('disks') or {})
    mounts = [{'target': target, 'source': (mount or {}).get('source_path')}
              for target, mount in sorted((entry.get('mounts') or {}).items())]
    return {
        'name': name,
        'state': entry.get('state') or 'Unknown',
        'ipv4': usable_ipv4(entry.get('ipv4')),
        'release': entry.get('release') or '',
        'image_release': entry.get('image_release') or '',
        'image_hash': entry.get('image_hash') or '',
        'cpus': _to_int(entry.get('cpu_count')),
        'memory': _to_int(memory.get('total')),
        'memory_used': _to_int(memory.get('used')),
        'disk': disk_total,
        'disk_used': disk_used,
        'load': list(entry.get('load') or []),
        'mounts': mounts,
        'snapshot_count': _to_int(entry.get('snapshot_count')),
    }


def parse_info(document):
    """The whole ``info`` document → {name: facts}."""
    info = document.get('info') or {}
    return dict((name, parse_info_entry(name, entry or {})) for name, entry in info.items())


def parse_version_output(text):
    """``multipass version`` in JSON (``{"multipass": "1.13.1", ...}``, 1.8+) or text (``multipass  1.8.1``)."""
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict):
        return parse_version(str(document.get('multipass') or document.get('multipassd') or ''))
    for line in (text or '').splitlines():
        if line.strip().startswith('multipass ') or line.strip().startswith('multipass\t'):
            return parse_version(line)
    return parse_version(text)


def pick_address(addresses, prefer_cidr=None):
    """The first IPv4 address inside prefer_cidr, else the first IPv4 address; None when there is none ("N/A"
    and other non-addresses never count)."""
    usable = usable_ipv4(addresses)
    if prefer_cidr:
        network = _ipv4_network(prefer_cidr)
        for address in usable:
            if _ipv4_address(address) in network:
                return address
    return usable[0] if usable else None


def _ipv4_address(text):
    try:
        return ipaddress.IPv4Address(str(text))
    except ValueError:
        return None


def _ipv4_network(cidr):
    try:
        return ipaddress.IPv4Network(str(cidr), strict=False)
    except ValueError:
        raise ValueError('%r is not an IPv4 CIDR such as 198.19.0.0/20' % (cidr,))


# ----------------------------------------------------------------------------------------------------------
# finding and running the binary

def _sleep(seconds):
    # Looked up at call time, so tests can patch time.sleep.
    time.sleep(seconds)


def find_multipass(path=None, which=shutil.which, extra_dirs=('/snap/bin', '/usr/local/bin', '/opt/homebrew/bin')):
    """Absolute path of the multipass binary: ``path`` when given (a path or a name on PATH), else PATH,
    else the usual install folders. Raises MultipassError(kind='missing')."""
    candidate = path or 'multipass'
    if os.path.sep in candidate:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    else:
        found = which(candidate)
        if found:
            return found
        for folder in extra_dirs:
            full = os.path.join(folder, candidate)
            if os.path.isfile(full) and os.access(full, os.X_OK):
                return full
    raise MultipassError('the multipass executable was not found (looked for %s on PATH and in %s); install '
                         'Multipass (https://canonical.com/multipass/install) or set multipass_path'
                         % (candidate, ', '.join(extra_dirs)), kind='missing')


def module_runner(module):
    """Adapter: a runner that goes through AnsibleModule.run_command (so no_log and env handling apply)."""
    def run(argv, data=None):
        return module.run_command(argv, data=data, check_rc=False,
                                  environ_update={'LC_ALL': 'C', 'LANG': 'C'})
    return run


def subprocess_runner(argv, data=None):
    """Runner for controller-side plugins that have no module object."""
    import subprocess
    proc = subprocess.run(argv, input=data, capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL='C', LANG='C'))
    return proc.returncode, proc.stdout, proc.stderr


class MultipassCLI:
    """Runs multipass: one binary, one version detection, bounded retries of transient read errors."""

    def __init__(self, run, binary='multipass', sleep=None, retries=5, retry_delay=1.0):
        self._run = run
        self.binary = binary
        self._sleep = sleep or _sleep
        self.retries = retries
        self.retry_delay = retry_delay
        self._version = None
        self.version_known = False

    def command_text(self, args):
        return ' '.join([os.path.basename(self.binary)] + list(args))

    def call(self, args, data=None, check=True, retry=False):
        """(rc, out, err) of one call. check=True raises MultipassError on failure; retry=True retries
        transient errors (only safe for read-only commands)."""
        attempts = self.retries if retry else 1
        for attempt in range(1, attempts + 1):
            rc, out, err = self._run([self.binary] + list(args), data=data)
            if rc == 0 or not retry or classify_error(rc, err) != 'transient' or attempt == attempts:
                break
            self._sleep(self.retry_delay)
        if rc != 0 and check:
            self.raise_for(rc, out, err, args)
        return rc, out, err

    def raise_for(self, rc, out, err, args, kind=None):
        kind = kind or classify_error(rc, err)
        command = self.command_text(args)
        raise MultipassError(error_message(kind, command, err), kind=kind, rc=rc, stdout=out, stderr=err,
                             command=command)

    def raise_if_unreachable(self, rc, out, err, args):
        """For exec: the guest command's exit code is passed through, so only the client's own texts tell
        that the daemon could not be reached."""
        kind = daemon_unreachable(rc, err)
        if kind:
            self.raise_for(rc, out, err, args, kind=kind)

    def version(self):
        """(major, minor, patch) of the client, detected once; None when it cannot be told."""
        if self.version_known:
            return self._version
        rc, out, err = self.call(['version', '--format', 'json'], check=False)
        if rc == 0:
            version = parse_version_output(out)
        else:
            rc, out, err = self.call(['version'], check=False)
            version = parse_version_output(out) if rc == 0 or out else None
        self._version, self.version_known = version, True
        return version

    def list(self):
        rc, out, err = self.call(['list', '--format', 'json'], retry=True)
        return parse_list(load_json(out, self.command_text(['list', '--format', 'json'])))

    def info(self, name):
        """Facts of one VM, or None when it does not exist."""
        args = info_argv(self.version(), [name])
        rc, out, err = self.call(args, check=False, retry=True)
        if rc != 0:
            if classify_error(rc, err) == 'not_found':
                return None
            self.raise_for(rc, out, err, args)
        return parse_info(load_json(out, self.command_text(args))).get(name)

    def info_all(self):
        """{name: facts} of every instance, Deleted ones included in every release."""
        version = self.version()
        args = info_argv(version)
        rc, out, err = self.call(args, check=False, retry=True)
        if rc == RC_CLI_ERROR and version is None and '--all' not in args:
            # A release we could not identify that wants --all (before 1.13).
            args = ['info', '--all', '--format', 'json']
            rc, out, err = self.call(args, check=False, retry=True)
        if rc != 0:
            if classify_error(rc, err) == 'not_found' or 'no instances' in (err or '').lower():
                return {}
            self.raise_for(rc, out, err, args)
        everything = parse_info(load_json(out, self.command_text(args)))
        if not version_supports(version, 'info_lists_deleted'):
            self._add_deleted(everything)
        return everything

    def _add_deleted(self, everything):
        """Before 1.12 ``info --all`` leaves Deleted instances out; ``list`` has them and ``info NAME`` answers."""
        for entry in self.list():
            if entry['state'] == DELETED and entry['name'] not in everything:
                facts = self.info(entry['name'])
                if facts is not None:
                    everything[entry['name']] = facts

    def read_marker_file(self, name):
        """(content, None) of the lab marker file of a running VM, or (None, why) when it cannot be read.
        The file is world-readable (cloud_init.MARKER_MODE), so no sudo is needed."""
        args = ['exec', name, '--', 'cat', MARKER_PATH]
        rc, out, err = self.call(args, check=False)
        self.raise_if_unreachable(rc, out, err, args)
        if rc == 0:
            return out, None
        return None, '"%s" exited %d: %s' % (self.command_text(args), rc, (err or out or '').strip() or 'no output')

    def configured_sizes(self, name):
        """cpus, memory and disk as configured (``multipass get local.<vm>.*``, 1.10+), or None when this
        release cannot tell; the info totals are what the guest sees, a little under the configuration."""
        if not version_supports(self.version(), 'set_local'):
            return None
        sizes = {}
        for key in ('cpus', 'memory', 'disk'):
            args = ['get', 'local.%s.%s' % (name, key)]
            rc, out, err = self.call(args, check=False, retry=True)
            if rc != 0:
                if classify_error(rc, err) in ('daemon_down', 'daemon_access'):
                    self.raise_for(rc, out, err, args)
                return None
            value = out.strip()
            try:
                sizes[key] = int(value) if key == 'cpus' else parse_size(value, key)
            except ValueError:
                return None
        return sizes
