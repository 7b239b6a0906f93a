# -*- coding: utf-8 -*-
# Copyright (c) calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Desired versus actual state of one Multipass VM: which commands bring it to the request, in which order,
and what check mode and diff mode report.

Plain Python: the reconciler talks to multipass only through a cli.MultipassCLI, so unit tests drive it with a
stub runner. Runs on target hosts, so it must stay Python 3.8 compatible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cli import classify_error
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.cloud_init import (
    DEFAULT_MARKER,
    MARKER_PATH,
    marker_matches,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.errors import MultipassError
from ansible_collections.calicolab.ccol1.plugins.module_utils._multipass.spec import (
    BOOTING_STATES,
    DELETED,
    RUNNING,
    STOPPED,
    build_launch_argv,
    format_size,
    format_version,
    post_launch_mounts,
    size_floor_errors,
    sizes_match,
    stop_refused,
    version_supports,
)


def _sleep(seconds):
    # Looked up at call time, so tests can patch time.sleep.
    time.sleep(seconds)


def _clock():
    return time.monotonic()


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
        if self.state != 'absent':
            self._check_sizes_for_release()
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

    def _check_sizes_for_release(self):
        """The request's sizes against this release's minimums, before anything changes (launch, resize and
        recreate all use them)."""
        errors = size_floor_errors(self.spec.memory, self.spec.disk, self.cli.version())
        if errors:
            raise MultipassError('; '.join(errors), kind='invalid')

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
        """Prove the VM is a lab VM: its marker file (cloud_init.MARKER_PATH) must hold the marker. A VM that is
        not running is brought up for the read (it is about to be deleted anyway; exec only starts a stopped VM
        by itself from 1.9 on); check mode cannot do that and says so."""
        if not self.marker:
            raise MultipassError('require_marker is true but lab_marker is empty: there is nothing to verify',
                                 kind='invalid')
        state = self.sim['state']
        if state != RUNNING:
            if self.check_mode:
                self.warnings.append('check mode: the lab marker of %s (state %s) can only be read from a running '
                                     'VM; it will be verified before deletion' % (self.name, state))
                return
            self._bring_up_for_marker(state)
        content, why = self.cli.read_marker_file(self.name)
        self.marker_verified = marker_matches(content, self.marker)
        if not self.marker_verified:
            if state != RUNNING and not self.check_mode:
                self._stop()
            found = 'it holds %r' % content.strip() if content is not None else 'it cannot be read (%s)' % why
            raise MultipassError(
                'refusing to delete VM %s: its lab marker file %s does not hold %r (%s), so it was not created by '
                'this lab. Set require_marker=false to delete it anyway' % (self.name, MARKER_PATH, self.marker, found),
                kind='marker_missing')

    def _bring_up_for_marker(self, state):
        if state == DELETED:
            self._mutate(['recover', self.name], new_state=STOPPED)
        if state in BOOTING_STATES:
            self._wait_until_running('reading the lab marker')
            self.sim['state'] = RUNNING
        else:
            self._mutate(['start', self.name], new_state=RUNNING)

    def _stop(self):
        """Stop the VM. From 1.14 multipass refuses to stop a Suspended or booting VM without --force, which pulls
        the plug; a Suspended VM is resumed and a booting one waited for, then shut down cleanly."""
        state = self.sim['state']
        if stop_refused(self.cli.version(), state):
            if state == 'Suspending':
                raise MultipassError('VM %s is suspending; run again once it is Suspended' % self.name, kind='busy')
            if state in BOOTING_STATES and not self.check_mode:
                self._wait_until_running('waiting for the VM to boot before stopping it')
                self.sim['state'] = RUNNING
            elif state not in BOOTING_STATES:
                self._mutate(['start', self.name], new_state=RUNNING)
        self._mutate(['stop', self.name], new_state=STOPPED)

    # -- present / started / stopped / restarted --------------------------------------------------------
    def _ensure_present(self):
        if self.sim is None:
            self._launch()
            if self.state == 'stopped':
                self._stop()
            return
        if self.sim['state'] == DELETED:
            self._mutate(['recover', self.name], new_state=STOPPED)
            if not self.check_mode:
                self.sim = self._refresh()
        if self.state == 'stopped' and self.sim['state'] != STOPPED:
            self._stop()
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
            self._stop()
        for field, _live, wanted in drift:
            value = str(wanted) if field == 'cpus' else format_size(wanted)
            self._mutate(['set', 'local.%s.%s=%s' % (self.name, field, value)])
            self.sim[field] = wanted
        if was_up and self.state != 'stopped':
            self._mutate(['start', self.name], new_state=RUNNING)
            return True
        return False

    def _recreate(self):
        # Refuse what this release cannot launch before the old VM is gone.
        build_launch_argv(self.spec, self.cli.version())
        # Rebuilding destroys the VM's disk: hold it to the same proof as a teardown.
        if self.require_marker and self.marker:
            self._verify_marker()
        self._mutate(['delete', '--purge', self.name])
        self.sim = None
        self._launch()
        if self.state == 'stopped':
            self._stop()

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
            self.cli.raise_if_unreachable(rc, out, err, args)
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
