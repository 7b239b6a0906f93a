# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What each Multipass release accepts: versions and feature gates, sizes and their minimums, instance names and
images, the request (VmSpec) and the argv of ``launch`` and ``info`` per version.

Facts from canonical/multipass per tag (see shared/reference/source-audit.md, Multipass table). Plain Python,
no calls to multipass; runs on target hosts, so it must stay Python 3.8 compatible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError

KIB = 1024
MIB = 1024 ** 2
GIB = 1024 ** 3

RUNNING = 'Running'
STOPPED = 'Stopped'
DELETED = 'Deleted'
SUSPENDED = 'Suspended'
# Transitional states that end in Running by themselves: wait instead of acting.
BOOTING_STATES = ('Starting', 'Restarting')
KNOWN_STATES = ('Running', 'Stopped', 'Deleted', 'Starting', 'Restarting', 'Delayed Shutdown',
                'Suspending', 'Suspended', 'Unknown', 'Unavailable')

# The last release that still has `info --all` (removed on main afterwards, canonical/multipass#5032) and
# the minimums 128M/512M (main raised them to 512M/1G).
LAST_CLASSIC_RELEASE = (1, 16, 3)

# Feature gates: (major, minor) of the first release that has the feature.
FEATURE_SINCE = {
    'launch_timeout': (1, 7),      # launch --timeout
    'network': (1, 8),             # launch --network
    'exec_starts': (1, 9),         # exec starts a stopped instance instead of failing
    'set_local': (1, 10),          # multipass get/set local.<vm>.cpus|memory|disk
    'cpu_count': (1, 11),          # info JSON carries cpu_count
    'launch_mount': (1, 11),       # launch --mount (older releases mount after launch)
    'info_lists_deleted': (1, 12),  # info without names also lists Deleted instances
    'info_without_names': (1, 13),  # info with no names lists every instance (--all deprecated)
    'stop_needs_force': (1, 14),   # stop refuses Suspended/Starting/Suspending instances without --force
}

# Minimum sizes the daemon accepts (constants.h): (memory, disk) up to LAST_CLASSIC_RELEASE and after it.
CLASSIC_MINIMUMS = (128 * MIB, 512 * MIB)
MAIN_MINIMUMS = (512 * MIB, 1 * GIB)

NAME_RE = re.compile(r'^[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$')
RELEASE_NUMBER_RE = re.compile(r'^\d{2}\.\d{2}$')
ALIAS_RE = re.compile(r'^(?:[a-z][a-z0-9-]*:)?[a-z0-9][a-z0-9.-]*$')
URL_IMAGE_RE = re.compile(r'^(?:file|https?)://\S+$')
# Multipass sizes know K, M and G only (MemorySize in every tag); B, KB, KiB spellings are accepted.
SIZE_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([KMG]?)(i?B)?\s*$', re.IGNORECASE)
VERSION_RE = re.compile(r'(\d+)\.(\d+)(?:\.(\d+))?')
MAC_RE = re.compile(r'^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$')
NETWORK_MODES = ('auto', 'manual')
SIZE_UNITS = (('G', GIB), ('M', MIB), ('K', KIB))


# ----------------------------------------------------------------------------------------------------------
# versions

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


def is_after_classic(version):
    """True for releases after 1.16.3 (main and what follows it); unknown versions count as current."""
    return version is None or tuple(version) > LAST_CLASSIC_RELEASE


def format_version(version):
    return '.'.join(str(part) for part in version) if version else 'unknown'


def info_argv(version, names=None):
    """argv of ``info`` for the named instances, or for every instance: with no names since 1.13 (``--all`` is
    deprecated there and gone after 1.16.3), with ``--all`` before."""
    if names:
        return ['info'] + list(names) + ['--format', 'json']
    if version_supports(version, 'info_without_names'):
        return ['info', '--format', 'json']
    return ['info', '--all', '--format', 'json']


def stop_refused(version, state):
    """Whether a plain ``stop`` is refused for an instance in this state (1.14+ wants --force for these)."""
    return version_supports(version, 'stop_needs_force') and state in ('Suspended', 'Suspending') + BOOTING_STATES


# ----------------------------------------------------------------------------------------------------------
# sizes

def parse_size(value, field='size'):
    """Bytes from an int, a digit string, or a size like 512M, 1G, 2GiB, 1.5G (binary units, as in multipass)."""
    if isinstance(value, bool):
        raise ValueError('%s: %r is not a size' % (field, value))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = SIZE_RE.match(str(value))
    if not match:
        raise ValueError('%s: %r is not a size; use bytes or a number with K, M or G (multipass knows no other '
                         'unit), for example 512M, 2G, 2GiB' % (field, value))
    number, unit, _suffix = match.groups()
    factor = dict(SIZE_UNITS).get(unit.upper(), 1)
    return int(round(float(number) * factor))


def format_size(num_bytes):
    """The shortest exact multipass size string for a byte count (2G, 1536M, 4096K, 123); never a T unit."""
    if num_bytes is None:
        return None
    for unit, factor in SIZE_UNITS:
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


def minimum_sizes(version):
    """(memory, disk) minimums of this release: 128M/512M up to 1.16.3, 512M/1G after."""
    return MAIN_MINIMUMS if is_after_classic(version) else CLASSIC_MINIMUMS


def size_floor_errors(memory, disk, version):
    """Messages for sizes below this release's minimums ([] when fine)."""
    errors = []
    for field, size, minimum in (('memory', memory, minimum_sizes(version)[0]),
                                 ('disk', disk, minimum_sizes(version)[1])):
        if size is not None and size < minimum:
            errors.append('%s: %s is below the minimum of %s that multipass %s accepts (%s up to 1.16.3, %s after)'
                          % (field, format_size(size), format_size(minimum), format_version(version),
                             format_size(CLASSIC_MINIMUMS[field == 'disk']),
                             format_size(MAIN_MINIMUMS[field == 'disk'])))
    return errors


# ----------------------------------------------------------------------------------------------------------
# names and images

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
        """Build and validate a spec from module-style params; raises MultipassError(kind='invalid') listing
        every problem at once. Sizes are held to the lowest minimum of any release here; the release's own
        minimum is checked when the launch argv is built."""
        errors = [error for error in (validate_name(params.get('name')), validate_image(params.get('image')))
                  if error]
        cpus = params.get('cpus')
        if cpus is not None and cpus < 1:
            errors.append('cpus: %r is below the minimum of 1' % (cpus,))
        sizes = {}
        for index, field in enumerate(('memory', 'disk')):
            sizes[field] = _size_param(params, field, CLASSIC_MINIMUMS[index], errors)
        errors.extend(_network_errors(params.get('networks')))
        for index, mount in enumerate(params.get('mounts') or []):
            if not mount.get('source'):
                errors.append('mounts[%d].source: a host path is required' % index)
        timeout = params.get('timeout')
        if timeout is not None and timeout < 1:
            errors.append('timeout: %r must be at least 1 second' % (timeout,))
        if errors:
            raise MultipassError('; '.join(errors), kind='invalid')
        return cls(params['name'], image=params.get('image'), cpus=cpus, memory=sizes['memory'],
                   disk=sizes['disk'], cloud_init=cloud_init, networks=params.get('networks'),
                   mounts=params.get('mounts'), timeout=timeout)


def _size_param(params, field, floor, errors):
    raw = params.get(field)
    if raw is None:
        return None
    try:
        size = parse_size(raw, field)
    except ValueError as exc:
        errors.append(str(exc))
        return None
    if size < floor:
        errors.append('%s: %s is below the multipass minimum of %s' % (field, raw, format_size(floor)))
    return size


def _network_errors(networks):
    errors = []
    for index, net in enumerate(networks or []):
        if not net.get('name'):
            errors.append('networks[%d].name: a network name is required' % index)
        if net.get('mode') and net['mode'] not in NETWORK_MODES:
            errors.append('networks[%d].mode: %r is not one of %s' % (index, net['mode'], ', '.join(NETWORK_MODES)))
        if net.get('mac') and not MAC_RE.match(net['mac']):
            errors.append('networks[%d].mac: %r is not a MAC address like 52:54:00:12:34:56' % (index, net['mac']))
    return errors


def check_launch_supported(spec, version):
    """Raise for what this release cannot launch: sizes under its minimums (invalid), options it lacks
    (unsupported)."""
    errors = size_floor_errors(spec.memory, spec.disk, version)
    if errors:
        raise MultipassError('; '.join(errors), kind='invalid')
    if spec.timeout is not None and not version_supports(version, 'launch_timeout'):
        raise MultipassError('timeout: multipass %s has no launch --timeout option (it needs 1.7 or later); leave '
                             'timeout unset' % format_version(version), kind='unsupported')
    if spec.networks and not version_supports(version, 'network'):
        raise MultipassError('networks: multipass %s has no launch --network option (it needs 1.8 or later)'
                             % format_version(version), kind='unsupported')


def build_launch_argv(spec, version=None):
    """argv (without the binary) and stdin data for ``multipass launch``. Short flags -c/-d/-m/-n work in
    every release (--mem became --memory in 1.11 and --mem is gone on main); cloud-init goes through stdin
    because the Linux snap cannot read files outside $HOME."""
    check_launch_supported(spec, version)
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
