# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The multipass CLI in one place: find it, run it, detect its version, build argv, parse its JSON,
map its errors, and reconcile one VM with a request.

Plain Python: nothing here imports AnsibleModule. Modules hand in a runner built by ``module_runner``;
unit tests hand in a stub callable ``run(argv, data=None) -> (rc, stdout, stderr)``.
Runs on target hosts, so it must stay Python 3.8 compatible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import re
import shutil
import time

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    import traceback
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()


MARKER_PATH = '/etc/calicolab/lab-marker'
USER_DATA_PATH = '/var/lib/cloud/instance/user-data.txt'
DEFAULT_MARKER = 'calicolab.ccol1'

KIB = 1024
MIB = 1024 ** 2
GIB = 1024 ** 3
TIB = 1024 ** 4
MIN_MEMORY = 512 * MIB
MIN_DISK = 1 * GIB

RUNNING = 'Running'
STOPPED = 'Stopped'
DELETED = 'Deleted'
SUSPENDED = 'Suspended'
# Transitional states that end in Running by themselves: wait instead of acting.
BOOTING_STATES = ('Starting', 'Restarting')
KNOWN_STATES = ('Running', 'Stopped', 'Deleted', 'Starting', 'Restarting', 'Delayed Shutdown',
                'Suspending', 'Suspended', 'Unknown', 'Unavailable')

# Exit codes of the multipass client (canonical/multipass ReturnCode).
RC_OK = 0
RC_CLI_ERROR = 1
RC_COMMAND_FAILED = 2
RC_DAEMON_FAIL = 3
RC_RETRY = 4

DAEMON_DOWN_HINT = (
    'the multipass daemon is not running or cannot be reached; start it with '
    '"sudo snap start multipass" (Linux), '
    '"sudo launchctl kickstart -k system/com.canonical.multipassd" (macOS) '
    'or "Start-Service Multipass" (Windows), then retry')

# Feature gates: (major, minor) of the first release that has the feature.
FEATURE_SINCE = {
    'network': (1, 8),        # launch --network
    'set_local': (1, 10),     # multipass get/set local.<vm>.cpus|memory|disk
    'cpu_count': (1, 11),     # info JSON carries cpu_count
    'launch_mount': (1, 11),  # launch --mount (older releases mount after launch)
}

NAME_RE = re.compile(r'^[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$')
RELEASE_NUMBER_RE = re.compile(r'^\d{2}\.\d{2}$')
ALIAS_RE = re.compile(r'^(?:[a-z][a-z0-9-]*:)?[a-z0-9][a-z0-9.-]*$')
URL_IMAGE_RE = re.compile(r'^(?:file|https?)://\S+$')
SIZE_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)\s*$', re.IGNORECASE)
VERSION_RE = re.compile(r'(\d+)\.(\d+)(?:\.(\d+))?')
NETWORK_MODES = ('auto', 'manual')


# ----------------------------------------------------------------------------------------------------------
# errors

class MultipassError(Exception):
    """A multipass call or a request that cannot be satisfied; ``kind`` says which mapped error it is."""

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


def classify_error(rc, stderr):
    """Map a non-zero exit to one word: daemon_down, not_found, already_exists, deleted, transient,
    timeout, usage or failed."""
    text = (stderr or '').lower()
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
    if kind == 'daemon_down':
        return '%s (command: %s; multipass said: %s)' % (DAEMON_DOWN_HINT, command, detail or 'nothing')
    return 'command "%s" failed: %s' % (command, detail or 'no error text')


# ----------------------------------------------------------------------------------------------------------
# sizes, versions, validation

def parse_size(value, field='size'):
    """Bytes from an int, a digit string, or a size like 512M, 1G, 2GiB, 1.5G (units are binary, as in
    multipass)."""
    if isinstance(value, bool):
        raise ValueError('%s: %r is not a size' % (field, value))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = SIZE_RE.match(str(value))
    if not match:
        raise ValueError('%s: %r is not a size; use bytes or a number with K, M, G or T (for example 512M, 2G, 2GiB)'
                         % (field, value))
    number, unit, _suffix = match.groups()
    factor = {'': 1, 'K': KIB, 'M': MIB, 'G': GIB, 'T': TIB}[unit.upper()]
    return int(round(float(number) * factor))


def format_size(num_bytes):
    """The shortest exact multipass size string for a byte count (2G, 1536M, 4096K, 123)."""
    if num_bytes is None:
        return None
    for factor, unit in ((TIB, 'T'), (GIB, 'G'), (MIB, 'M'), (KIB, 'K')):
        if num_bytes >= factor and num_bytes % factor == 0:
            return '%d%s' % (num_bytes // factor, unit)
    return str(num_bytes)


def sizes_match(live, wanted, source='config'):
    """Whether a live size satisfies a requested one. ``multipass get`` prints one decimal of the largest
    unit ("2.0GiB"), so configured sizes match within 5 %; ``info`` totals are what the guest's free/df see,
    a little under the configured size, so they match from 15 % below to 2 % above."""
    if live is None or wanted is None:
        return True
    if source == 'config':
        return abs(live - wanted) <= wanted * 0.05
    return wanted * 0.85 <= live <= wanted * 1.02


def parse_version(text):
    """(major, minor, patch) from '1.13.1', '1.14.0+mac' or 'multipass  1.8.1'; None when absent."""
    match = VERSION_RE.search(text or '')
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def version_supports(version, feature):
    """Unknown versions are assumed current: flags are only held back when we know they are missing."""
    if version is None:
        return True
    return tuple(version[:2]) >= FEATURE_SINCE[feature]


def validate_name(name):
    if not name or not NAME_RE.match(name):
        return ('name: %r is not a valid instance name: it must start with a letter, contain only '
                'letters, digits and hyphens, and not end with a hyphen' % (name,))
    return None


def validate_image(image):
    if image is None:
        return None
    if URL_IMAGE_RE.match(image):
        return None
    if re.match(r'^[\d.]+$', image):
        if RELEASE_NUMBER_RE.match(image):
            return None
        return ('image: %r is not a release number multipass knows; use the YY.MM form such as 24.04 or '
                '22.04' % (image,))
    if ALIAS_RE.match(image):
        return None
    return ('image: %r has an unknown image alias format; use a release (24.04), an alias (noble, lts), '
            'remote:alias (daily:24.04) or a file:// or https:// URL' % (image,))


# ----------------------------------------------------------------------------------------------------------
# the request

class VmSpec:
    """What the user asked for: the sizes are bytes, cloud_init is the final text (or None)."""

    FIELDS = ('name', 'image', 'cpus', 'memory', 'disk', 'cloud_init', 'networks', 'mounts', 'timeout')

    def __init__(self, name, image=None, cpus=None, memory=None, disk=None, cloud_init=None,
                 networks=None, mounts=None, timeout=None):
        self.name = name
        self.image = image
        self.cpus = cpus
        self.memory = memory
        self.disk = disk
        self.cloud_init = cloud_init
        self.networks = list(networks or [])
        self.mounts = list(mounts or [])
        self.timeout = timeout

    @classmethod
    def from_params(cls, params, cloud_init=None):
        """Build and validate a spec from module-style params; raises MultipassError(kind='invalid')
        listing every problem at once."""
        errors = []
        memory = disk = None
        error = validate_name(params.get('name'))
        if error:
            errors.append(error)
        error = validate_image(params.get('image'))
        if error:
            errors.append(error)
        cpus = params.get('cpus')
        if cpus is not None and cpus < 1:
            errors.append('cpus: %r is below the minimum of 1' % (cpus,))
        for field, minimum in (('memory', MIN_MEMORY), ('disk', MIN_DISK)):
            raw = params.get(field)
            if raw is None:
                continue
            try:
                size = parse_size(raw, field)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            if size < minimum:
                errors.append('%s: %s is below the multipass minimum of %s' % (field, raw, format_size(minimum)))
            if field == 'memory':
                memory = size
            else:
                disk = size
        for index, net in enumerate(params.get('networks') or []):
            if not net.get('name'):
                errors.append('networks[%d].name: a network name is required' % index)
            if net.get('mode') and net['mode'] not in NETWORK_MODES:
                errors.append('networks[%d].mode: %r is not one of %s' % (index, net['mode'], ', '.join(NETWORK_MODES)))
            if net.get('mac') and not re.match(r'^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$', net['mac']):
                errors.append('networks[%d].mac: %r is not a MAC address like 52:54:00:12:34:56' % (index, net['mac']))
        for index, mount in enumerate(params.get('mounts') or []):
            if not mount.get('source'):
                errors.append('mounts[%d].source: a host path is required' % index)
        timeout = params.get('timeout')
        if timeout is not None and timeout < 1:
            errors.append('timeout: %r must be at least 1 second' % (timeout,))
        if errors:
            raise MultipassError('; '.join(errors), kind='invalid')
        return cls(params['name'], image=params.get('image'), cpus=cpus, memory=memory, disk=disk,
                   cloud_init=cloud_init, networks=params.get('networks'), mounts=params.get('mounts'),
                   timeout=timeout)


def build_launch_argv(spec, version=None):
    """argv (without the binary) and stdin data for ``multipass launch``. Short flags -c/-d/-m/-n work in
    every release (--mem became --memory in 1.11 and --mem is gone on main); cloud-init goes through stdin
    because the Linux snap cannot read files outside $HOME."""
    argv = ['launch', '-n', spec.name]
    if spec.cpus is not None:
        argv += ['-c', str(spec.cpus)]
    if spec.memory is not None:
        argv += ['-m', format_size(spec.memory)]
    if spec.disk is not None:
        argv += ['-d', format_size(spec.disk)]
    if spec.timeout is not None:
        argv += ['--timeout', str(spec.timeout)]
    data = None
    if spec.cloud_init:
        argv += ['--cloud-init', '-']
        data = spec.cloud_init
    if spec.networks:
        if not version_supports(version, 'network'):
            raise MultipassError('networks: multipass %s has no launch --network option (it needs 1.8 or later)'
                                 % format_version(version), kind='unsupported')
        for net in spec.networks:
            argv += ['--network', network_argument(net)]
    if version_supports(version, 'launch_mount'):
        for mount in spec.mounts:
            argv += ['--mount', mount_argument(mount)]
    if spec.image:
        argv.append(spec.image)
    return argv, data


def mount_argument(mount):
    target = mount.get('target')
    return '%s:%s' % (mount['source'], target) if target else mount['source']


def post_launch_mounts(spec, version):
    """``multipass mount`` commands for releases whose launch has no --mount (before 1.11)."""
    if version_supports(version, 'launch_mount'):
        return []
    return [['mount', mount['source'], '%s:%s' % (spec.name, mount.get('target') or '')] for mount in spec.mounts]


def network_argument(net):
    parts = ['name=%s' % net['name']]
    if net.get('mode'):
        parts.append('mode=%s' % net['mode'])
    if net.get('mac'):
        parts.append('mac=%s' % net['mac'].lower())
    return ','.join(parts)


def format_version(version):
    return '.'.join(str(part) for part in version) if version else 'unknown'


# ----------------------------------------------------------------------------------------------------------
# cloud-init and the lab marker

def render_cloud_init(cloud_init=None, marker=None):
    """Final cloud-init text. A dict becomes #cloud-config YAML; a string is used as given. With a marker,
    a write_files entry for MARKER_PATH and a header comment are added, which needs #cloud-config content."""
    if cloud_init is None and not marker:
        return None
    if isinstance(cloud_init, dict) or cloud_init is None:
        document = dict(cloud_init or {})
    else:
        text = cloud_init
        if not marker:
            return text
        if not text.lstrip().startswith('#cloud-config'):
            raise MultipassError('cloud_init: the lab marker can only be added to #cloud-config content; this '
                                 'content starts with %r. Use #cloud-config, or set lab_marker to an empty string'
                                 % text.lstrip()[:20], kind='invalid')
        _require_yaml()
        try:
            document = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise MultipassError('cloud_init: the content is not valid YAML: %s' % exc, kind='invalid')
        if not isinstance(document, dict):
            raise MultipassError('cloud_init: #cloud-config content must be a mapping', kind='invalid')
    if marker:
        files = list(document.get('write_files') or [])
        files = [entry for entry in files if not (isinstance(entry, dict) and entry.get('path') == MARKER_PATH)]
        files.append({'path': MARKER_PATH, 'permissions': '0644', 'owner': 'root:root',
                      'content': '%s\n' % marker})
        document['write_files'] = files
    _require_yaml()
    header = '#cloud-config\n'
    if marker:
        header += marker_line(marker) + '\n'

    return header + yaml.safe_dump(document, default_flow_style=False, sort_keys=False)


def marker_line(marker):
    """The comment line that carries the marker in the user data (cloud-init keeps a copy of the user data
    in USER_DATA_PATH, so the marker can be read back even before cloud-init wrote its files)."""
    return '# lab-marker: %s' % marker


def user_data_has_marker(text, marker):
    wanted = marker_line(marker)
    return any(line.strip() == wanted for line in (text or '').splitlines())


def _require_yaml():
    if not HAS_YAML:
        raise MultipassError('PyYAML is required to render cloud-init', kind='missing_lib')


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


def parse_list(document):
    """``multipass list --format json`` → list of facts dicts (name, state, ipv4, release)."""
    result = []
    for entry in document.get('list') or []:
        result.append({
            'name': entry.get('name'),
            'state': entry.get('state') or 'Unknown',
            'ipv4': [ip for ip in (entry.get('ipv4') or []) if ip],
            'release': entry.get('release') or '',
        })
    return result


def parse_info_entry(name, entry):
    """One instance of ``multipass info --format json`` → facts; runtime fields are None when stopped."""
    memory = entry.get('memory') or {}
    disks = entry.get('disks') or {}
    disk_total = disk_used = None
    for disk_name in sorted(disks):
        disk = disks[disk_name] or {}
        total = _to_int(disk.get('total'))
        if total is not None:
            disk_total = (disk_total or 0) + total
            used = _to_int(disk.get('used'))
            disk_used = (disk_used or 0) + (used or 0)
    mounts = []
    for target, mount in sorted((entry.get('mounts') or {}).items()):
        mounts.append({'target': target, 'source': (mount or {}).get('source_path')})
    return {
        'name': name,
        'state': entry.get('state') or 'Unknown',
        'ipv4': [ip for ip in (entry.get('ipv4') or []) if ip],
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
    """``multipass version`` in JSON (``{"multipass": "1.13.1", ...}``) or text (``multipass  1.8.1``)."""
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
    """The first IPv4 inside prefer_cidr, else the first IPv4 (None when there is none)."""
    addresses = [ip for ip in addresses or [] if ip]
    if prefer_cidr:
        network = _ipv4_network(prefer_cidr)
        for address in addresses:
            parsed = _ipv4_address(address)
            if parsed is not None and parsed in network:
                return address
    return addresses[0] if addresses else None


def _ipv4_address(text):
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None


def _ipv4_network(cidr):
    try:
        return ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        raise ValueError('%r is not an IPv4 CIDR such as 198.19.0.0/20' % (cidr,))


# ----------------------------------------------------------------------------------------------------------
# finding and running the binary

def _sleep(seconds):
    # Looked up at call time, so tests can patch time.sleep.
    time.sleep(seconds)


def _clock():
    return time.monotonic()


def find_multipass(path=None, which=shutil.which, extra_dirs=('/snap/bin', '/usr/local/bin', '/opt/homebrew/bin')):
    """Absolute path of the multipass binary: ``path`` when given (a path or a name on PATH), else PATH,
    else the usual install folders. Raises MultipassError(kind='missing')."""
    candidates = [path] if path else ['multipass']
    for candidate in candidates:
        if os.path.sep in candidate:
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
            continue
        found = which(candidate)
        if found:
            return found
        for folder in extra_dirs:
            full = os.path.join(folder, candidate)
            if os.path.isfile(full) and os.access(full, os.X_OK):
                return full
    raise MultipassError('the multipass executable was not found (looked for %s on PATH and in %s); install '
                         'Multipass (https://canonical.com/multipass/install) or set multipass_path'
                         % (path or 'multipass', ', '.join(extra_dirs)), kind='missing')


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
        self._version_known = False

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

    def raise_for(self, rc, out, err, args):
        kind = classify_error(rc, err)
        command = self.command_text(args)
        raise MultipassError(error_message(kind, command, err), kind=kind, rc=rc, stdout=out, stderr=err,
                             command=command)

    def version(self):
        """(major, minor, patch) of the client, detected once; None when it cannot be told."""
        if self._version_known:
            return self._version
        rc, out, err = self.call(['version', '--format', 'json'], check=False)
        if rc == 0:
            version = parse_version_output(out)
        else:
            rc, out, err = self.call(['version'], check=False)
            version = parse_version_output(out) if rc == 0 or out else None
        self._version, self._version_known = version, True
        return version

    def list(self):
        rc, out, err = self.call(['list', '--format', 'json'], retry=True)
        return parse_list(load_json(out, self.command_text(['list', '--format', 'json'])))

    def info(self, name):
        """Facts of one VM, or None when it does not exist."""
        args = ['info', name, '--format', 'json']
        rc, out, err = self.call(args, check=False, retry=True)
        if rc != 0:
            if classify_error(rc, err) == 'not_found':
                return None
            self.raise_for(rc, out, err, args)
        return parse_info(load_json(out, self.command_text(args))).get(name)

    def info_all(self):
        args = ['info', '--all', '--format', 'json']
        rc, out, err = self.call(args, check=False, retry=True)
        if rc != 0:
            # With no instances at all some releases exit non-zero; list tells the truth.
            if classify_error(rc, err) == 'not_found' or 'no instances' in (err or '').lower():
                return {}
            self.raise_for(rc, out, err, args)
        return parse_info(load_json(out, self.command_text(args)))

    def user_data(self, name):
        """cloud-init's copy of the user data a running VM was launched with (None when it cannot be read).
        The copy is readable by root only; the default user has passwordless sudo."""
        args = ['exec', name, '--', 'sudo', 'cat', USER_DATA_PATH]
        rc, out, err = self.call(args, check=False)
        if rc == RC_DAEMON_FAIL:
            self.raise_for(rc, out, err, args)
        return out if rc == 0 else None

    def configured_sizes(self, name):
        """cpus, memory and disk as configured (``multipass get local.<vm>.*``, 1.10+), or None when this
        release cannot tell; the info totals are what the guest sees, a little under the configuration."""
        if not version_supports(self.version(), 'set_local'):
            return None
        sizes = {}
        for key in ('cpus', 'memory', 'disk'):
            rc, out, err = self.call(['get', 'local.%s.%s' % (name, key)], check=False, retry=True)
            if rc != 0:
                if classify_error(rc, err) == 'daemon_down':
                    self.raise_for(rc, out, err, ['get', 'local.%s.%s' % (name, key)])
                return None
            value = out.strip()
            try:
                sizes[key] = int(value) if key == 'cpus' else parse_size(value, key)
            except ValueError:
                return None
        return sizes


# ----------------------------------------------------------------------------------------------------------
# reconciling one VM

def vm_summary(facts):
    """The fields diff mode shows."""
    if not facts:
        return {'state': 'absent'}
    return {'state': facts.get('state'), 'cpus': facts.get('cpus'),
            'memory': format_size(facts.get('memory')), 'disk': format_size(facts.get('disk'))}


class VmReconciler:
    """Brings one named VM to the requested state. Never touches another VM. In check mode it runs only
    read-only commands and records what it would run in ``commands``."""

    def __init__(self, cli, spec, state='present', purge=False, recreate=False, resize='fail',
                 allow_stop=False, marker=DEFAULT_MARKER, require_marker=True, wait_for_cloud_init=False,
                 cloud_init_timeout=600, check_mode=False, sleep=None, clock=None,
                 poll_interval=2.0, boot_timeout=300):
        self.cli = cli
        self.spec = spec
        self.name = spec.name
        self.state = state
        self.purge = purge
        self.recreate = recreate
        self.resize = resize
        self.allow_stop = allow_stop
        self.marker = marker
        self.require_marker = require_marker
        self.wait_for_cloud_init = wait_for_cloud_init
        self.cloud_init_timeout = cloud_init_timeout
        self.check_mode = check_mode
        self._sleep = sleep or _sleep
        self._clock = clock or _clock
        self.poll_interval = poll_interval
        self.boot_timeout = spec.timeout or boot_timeout
        self.commands = []
        self.warnings = []
        self.changed = False
        self.cloud_init_status = None
        self.sim = None
        self.marker_verified = False

    # -- plumbing ---------------------------------------------------------------------------------------
    def _mutate(self, args, data=None, new_state=None):
        self.commands.append(self.cli.command_text(args))
        self.changed = True
        if not self.check_mode:
            self.cli.call(args, data=data)
        if new_state and self.sim is not None:
            self.sim['state'] = new_state

    def _refresh(self):
        live = self.cli.info(self.name)
        if live is not None and live['state'] != DELETED:
            configured = self.cli.configured_sizes(self.name)
            live['sizes_source'] = 'info'
            if configured:
                live.update(configured)
                live['sizes_source'] = 'config'
        return live

    def _wait_until_running(self, why):
        deadline = self._clock() + self.boot_timeout
        while True:
            live = self.cli.info(self.name)
            if live is not None and live['state'] == RUNNING:
                return live
            if live is None or live['state'] in (DELETED, STOPPED) or self._clock() >= deadline:
                raise MultipassError('%s: VM %s did not reach Running within %ss (last state: %s)'
                                     % (why, self.name, self.boot_timeout, live['state'] if live else 'absent'),
                                     kind='timeout')
            self._sleep(self.poll_interval)

    # -- entry point ------------------------------------------------------------------------------------
    def run(self):
        live = self._refresh()
        before = dict(live) if live else None
        self.sim = dict(live) if live else None
        if self.state == 'absent':
            self._ensure_absent()
        else:
            self._ensure_present()
        after = self._final_facts()
        if self.wait_for_cloud_init and after and after.get('state') == RUNNING:
            self._wait_cloud_init(fresh=before is None or before.get('state') == DELETED)
        return {
            'changed': self.changed,
            'vm': after,
            'commands': self.commands,
            'warnings': self.warnings,
            'cloud_init_status': self.cloud_init_status,
            'diff': {'before': vm_summary(before), 'after': vm_summary(after)},
        }

    def _final_facts(self):
        if self.check_mode or not self.changed:
            facts = self.sim
        else:
            facts = self._refresh()
        if facts is None:
            return None
        # Only a marker this run wrote (launch) or read back is reported as the VM's marker.
        facts['marker'] = self.marker if self.marker_verified else None
        return facts

    # -- absent -------------------------------------------------------------------------------------------
    def _ensure_absent(self):
        live = self.sim
        if live is None:
            return
        if live['state'] == DELETED and not self.purge:
            return
        if self.require_marker:
            self._verify_marker()
        args = ['delete', '--purge', self.name] if self.purge else ['delete', self.name]
        self._mutate(args)
        self.sim = None if self.purge else dict(self.sim, state=DELETED)

    def _verify_marker(self):
        """Prove the VM is a lab VM: its user data must carry the marker line. A VM that is not running is
        brought up for the read (it is about to be deleted anyway); check mode cannot do that and says so."""
        if not self.marker:
            raise MultipassError('require_marker is true but lab_marker is empty: there is nothing to verify',
                                 kind='invalid')
        state = self.sim['state']
        if state != RUNNING:
            if self.check_mode:
                self.warnings.append('check mode: the lab marker of %s (state %s) can only be read from a running '
                                     'VM; it will be verified before deletion' % (self.name, state))
                return
            if state == DELETED:
                self._mutate(['recover', self.name], new_state=STOPPED)
            if state in BOOTING_STATES:
                self._wait_until_running('reading the lab marker')
            else:
                self._mutate(['start', self.name], new_state=RUNNING)
        self.marker_verified = user_data_has_marker(self.cli.user_data(self.name), self.marker)
        if not self.marker_verified:
            if state != RUNNING and not self.check_mode:
                self._mutate(['stop', self.name], new_state=STOPPED)
            raise MultipassError(
                'refusing to delete VM %s: its cloud-init user data (%s) does not carry the lab marker line %r, so '
                'it was not created by this lab. Set require_marker=false to delete it anyway'
                % (self.name, USER_DATA_PATH, marker_line(self.marker)), kind='marker_missing')

    # -- present / started / stopped / restarted --------------------------------------------------------
    def _ensure_present(self):
        if self.sim is None:
            self._launch()
            if self.state == 'stopped':
                self._mutate(['stop', self.name], new_state=STOPPED)
            return
        if self.sim['state'] == DELETED:
            self._mutate(['recover', self.name], new_state=STOPPED)
            if not self.check_mode:
                self.sim = self._refresh()
        if self.state == 'stopped' and self.sim['state'] != STOPPED:
            self._mutate(['stop', self.name], new_state=STOPPED)
        restarted = self._handle_drift()
        if restarted is None:
            return  # recreated: the new VM is already in its requested state
        self._apply_state(restarted)

    def _apply_state(self, restarted):
        state = self.sim['state']
        if self.state == 'started' or (self.state == 'restarted' and state != RUNNING):
            if state in BOOTING_STATES and not self.check_mode:
                self.sim = self._wait_until_running('waiting for the VM to boot')
            elif state != RUNNING:
                self._mutate(['start', self.name], new_state=RUNNING)
        elif self.state == 'restarted' and not restarted:
            self._mutate(['restart', self.name], new_state=RUNNING)

    def _launch(self):
        argv, data = build_launch_argv(self.spec, self.cli.version())
        self.commands.append(self.cli.command_text(argv))
        self.changed = True
        self.marker_verified = bool(self.marker and self.spec.cloud_init)
        self.sim = {'name': self.name, 'state': RUNNING, 'ipv4': [], 'release': '', 'image_release': '',
                    'image_hash': '', 'cpus': self.spec.cpus, 'memory': self.spec.memory, 'disk': self.spec.disk}
        if self.check_mode:
            self._mount_after_launch()
            return
        rc, out, err = self.cli.call(argv, data=data, check=False)
        if rc == 0:
            self._mount_after_launch()
            return
        kind = classify_error(rc, err)
        if kind == 'already_exists':
            self.warnings.append('launch reported that %s already exists (created concurrently); using it' % self.name)
            return
        if kind == 'timeout':
            live = self.cli.info(self.name)
            if live is not None and live['state'] != DELETED:
                self.warnings.append('launch of %s timed out but the VM exists (state %s); waited for it instead '
                                     'of launching again' % (self.name, live['state']))
                self._wait_until_running('launch timed out')
                self._mount_after_launch()
                return
        self.cli.raise_for(rc, out, err, argv)

    def _mount_after_launch(self):
        for args in post_launch_mounts(self.spec, self.cli.version()):
            self._mutate(args)

    # -- size drift -----------------------------------------------------------------------------------------
    def drift(self, live):
        """[(field, live, wanted)] for each size the request sets and the VM does not have."""
        source = live.get('sizes_source') or 'config'
        found = []
        if self.spec.cpus is not None and live.get('cpus') is not None and live['cpus'] != self.spec.cpus:
            found.append(('cpus', live['cpus'], self.spec.cpus))
        for field in ('memory', 'disk'):
            wanted = getattr(self.spec, field)
            if not sizes_match(live.get(field), wanted, source):
                found.append((field, live[field], wanted))
        return found

    def _handle_drift(self):
        """Resolve size drift by resize mode. Returns True when the VM was stopped and started again, False
        when not, None when it was recreated."""
        drift = self.drift(self.sim)
        if not drift:
            return False
        description = ', '.join('%s is %s, requested %s' % (
            field, live if field == 'cpus' else format_size(live), wanted if field == 'cpus' else format_size(wanted))
            for field, live, wanted in drift)
        if self.recreate:
            self._recreate()
            return None
        if self.resize == 'fail':
            raise MultipassError('VM %s differs from the request: %s. Set resize=apply (with allow_stop=true for a '
                                 'running VM) to change it, recreate=true to rebuild it, or resize=warn to accept it'
                                 % (self.name, description), kind='drift')
        if self.resize == 'warn':
            self.warnings.append('VM %s differs from the request and was left as it is (resize=warn): %s'
                                 % (self.name, description))
            return False
        return self._apply_resize(drift, description)

    def _apply_resize(self, drift, description):
        for field, live, wanted in drift:
            if field == 'disk' and live is not None and wanted < live:
                raise MultipassError('VM %s: disk can only grow; it is %s and %s was requested. Set recreate=true to '
                                     'rebuild it smaller' % (self.name, format_size(live), format_size(wanted)),
                                     kind='drift')
        if not version_supports(self.cli.version(), 'set_local'):
            version = format_version(self.cli.version())
            raise MultipassError('VM %s differs from the request (%s) but multipass %s cannot resize (multipass set '
                                 'local.<vm>.* needs 1.10 or later)' % (self.name, description, version),
                                 kind='unsupported')
        state = self.sim['state']
        was_up = state != STOPPED
        if was_up:
            if not self.allow_stop:
                raise MultipassError('VM %s differs from the request (%s) and is %s; resizing needs it stopped. Set '
                                     'allow_stop=true to let the module stop and start it' % (self.name, description,
                                                                                              state), kind='drift')
            self._mutate(['stop', self.name], new_state=STOPPED)
        for field, _live, wanted in drift:
            value = str(wanted) if field == 'cpus' else format_size(wanted)
            self._mutate(['set', 'local.%s.%s=%s' % (self.name, field, value)])
            self.sim[field] = wanted
        if was_up and self.state != 'stopped':
            self._mutate(['start', self.name], new_state=RUNNING)
            return True
        return False

    def _recreate(self):
        # Rebuilding destroys the VM's disk: hold it to the same proof as a teardown.
        if self.require_marker and self.marker:
            self._verify_marker()
        self._mutate(['delete', '--purge', self.name])
        self.sim = None
        self._launch()
        if self.state == 'stopped':
            self._mutate(['stop', self.name], new_state=STOPPED)

    # -- cloud-init ------------------------------------------------------------------------------------------
    def _wait_cloud_init(self, fresh):
        """Poll ``cloud-init status`` (read-only) until it settles, bounded by cloud_init_timeout on this side:
        ``status --wait`` alone could block for ever, and the exec fails while cloud-init reboots the guest."""
        if self.check_mode and fresh:
            self.cloud_init_status = 'skipped (check mode: the VM does not exist yet)'
            return
        args = ['exec', self.name, '--', 'cloud-init', 'status']
        deadline = self._clock() + self.cloud_init_timeout
        while True:
            rc, out, err = self.cli.call(args, check=False)
            if rc == RC_DAEMON_FAIL:
                self.cli.raise_for(rc, out, err, args)
            status = cloud_init_status_word(out)
            self.cloud_init_status = 'status: %s' % status if status else 'rc %d' % rc
            if status in ('done', 'disabled') and rc == 0:
                return
            if status == 'error' or (rc == 1 and status):
                raise MultipassError('cloud-init on %s reported an error (%s): %s'
                                     % (self.name, self.cloud_init_status, (err or out or '').strip()),
                                     kind='cloud_init_failed', rc=rc, stdout=out, stderr=err)
            if status == 'done' or status.startswith('degraded'):
                self.warnings.append('cloud-init on %s finished with recoverable errors (%s)'
                                     % (self.name, self.cloud_init_status))
                return
            if not status:
                self._start_if_left_stopped()
            if self._clock() >= deadline:
                raise MultipassError('cloud-init on %s did not finish within cloud_init_timeout=%ss (last: %s)'
                                     % (self.name, self.cloud_init_timeout, self.cloud_init_status),
                                     kind='timeout', rc=rc, stdout=out, stderr=err)
            self._sleep(self.poll_interval)

    def _start_if_left_stopped(self):
        """A guest that cloud-init rebooted can come back Stopped; the request wants it running."""
        if self.check_mode:
            return
        live = self.cli.info(self.name)
        if live is not None and live['state'] == STOPPED:
            self.warnings.append('%s stopped while cloud-init ran (a cloud-init reboot); started it again' % self.name)
            self._mutate(['start', self.name], new_state=RUNNING)


def cloud_init_status_word(output):
    """'done', 'running', 'error', 'degraded done', 'disabled', 'not started' or '' from ``cloud-init status``."""
    for line in (output or '').splitlines():
        if line.strip().startswith('status:'):
            return line.split(':', 1)[1].strip()
    return ''


def vm_facts_for_return(facts):
    """What the modules return for a VM: stable keys, sizes in bytes plus multipass size strings."""
    if not facts:
        return {}
    result = dict((key, facts.get(key)) for key in (
        'name', 'state', 'ipv4', 'release', 'image_release', 'image_hash', 'cpus', 'memory', 'disk'))
    result['ipv4'] = list(result['ipv4'] or [])
    result['memory_size'] = format_size(facts.get('memory'))
    result['disk_size'] = format_size(facts.get('disk'))
    result['marker'] = facts.get('marker')
    return result
