# -*- coding: utf-8 -*-
# Copyright: (c) 2026, calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Reachability matrices: every source against every destination on one protocol and port.

Pod-to-pod cells take a fast path that gives the same answers as ``evaluate`` without evaluating each pair:

1. every rule's source and destination side is resolved once to the set of pods it matches (selectors come
   from the snapshot's label index; nets, ports and named ports are checked per pod);
2. a pod's *peer class* is the set of rules whose far side it matches; pods with equal classes are
   indistinguishable to every rule, so verdicts are computed per class, not per pod;
3. pods with the same applicable policies in a direction, and the same rules whose near side they match,
   form one *policy group*; each (group, peer class) pair is decided once, with set operations standing in
   for the walk through tiers, policies and rules;
4. rows are bit masks: row = egress-allowed columns of the source's group AND ingress-allowed columns for
   the source's peer class. Host endpoint stages on cross-node paths are decided per (node pair, class pair).

Other cells (hosts, addresses, services, NodePorts) are evaluated one by one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.decide import (
    Packet,
    forward_stage,
    rule_static_ok,
    service_match_sets,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.engine import (
    FlowError,
    _Path,
    arrival_stages,
    evaluate,
    peer_of,
    resolve_party,
)
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.model import protocol_name, protocol_number
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.services import wep_party
from ansible_collections.calicolab.ccol1.plugins.module_utils._policy.snapshot import (
    CATEGORY_FORWARD,
    CATEGORY_NORMAL,
    CATEGORY_PREDNAT,
    CATEGORY_UNTRACKED,
)


def _side_spec(item):
    if isinstance(item, str):
        return {"pod": item}
    return item


def _label(spec):
    (key, value), = spec.items()
    if key == "pod":
        return str(value)
    if key == "nodeport":
        return "nodeport:%s:%s" % (value.get("node"), value.get("port"))
    return "%s:%s" % (key, value)


class _PodSet(object):
    """The pods of the fast path, with each rule side resolved to a set of local indexes (cached)."""

    def __init__(self, snapshot, endpoints, packet):
        self.snapshot = snapshot
        self.endpoints = endpoints
        self.packet = packet
        self.peers = [peer_of(snapshot, _wep(e)) for e in endpoints]
        self.local = dict((e.id, i) for i, e in enumerate(endpoints))
        self.complex = [(i, p.holders) for i, p in enumerate(self.peers) if p.holders != (endpoints[i].id,)]
        self.everyone = frozenset(range(len(endpoints)))
        self._src = {}
        self._dst = {}
        self._scopes = {}
        self._nets = {}
        self._named = {}
        self._interned = {self.everyone: self.everyone}
        self.addresses = [(p.ip.version, int(p.ip)) if p.ip is not None else (0, -1) for p in self.peers]

    def _scope_set(self, scope):
        found = self._scopes.get(scope.key)
        if found is None:
            ids = self.snapshot.resolve(scope)
            local = self.local
            found = set(local[g] for g in ids if g in local)
            for index, holders in self.complex:
                if index not in found and any(h in ids for h in holders):
                    found.add(index)
            found = frozenset(found)
            self._scopes[scope.key] = found
        return found

    def _net_set(self, net):
        """Local indexes of the pods whose IP is inside ``net`` (cached per network)."""
        found = self._nets.get(net)
        if found is None:
            low, high = int(net.network_address), int(net.broadcast_address)
            found = frozenset(i for i, (version, value) in enumerate(self.addresses)
                              if version == net.version and low <= value <= high)
            self._nets[net] = found
        return found

    def _named_port_set(self, name, port):
        key = (name, port)
        found = self._named.get(key)
        if found is None:
            wanted = (self.packet.protocol, port)
            found = frozenset(i for i, peer in enumerate(self.peers) if wanted in peer.named_ports.get(name, ()))
            self._named[key] = found
        return found

    def _port_set(self, specs, port):
        if port is None:
            return frozenset()
        if any(isinstance(spec, tuple) and spec[0] <= port <= spec[1] for spec in specs):
            return self.everyone
        found = frozenset()
        for spec in specs:
            if not isinstance(spec, tuple):
                found = found | self._named_port_set(spec, port)
        return found

    def _side(self, side, port):
        if side.is_trivial():
            return self.everyone
        members = self._scope_set(side.scope) if side.scope is not None else self.everyone
        if side.not_scope is not None:
            members = members - self._scope_set(side.not_scope)
        if side.nets is not None:
            members = members & frozenset().union(*[self._net_set(net) for net in side.nets])
        if side.not_nets:
            members = members - frozenset().union(*[self._net_set(net) for net in side.not_nets])
        if side.ports is not None:
            members = members & self._port_set(side.ports, port)
        if side.not_ports:
            members = members - self._port_set(side.not_ports, port)
        if side.service is not None:
            ids, ports = service_match_sets(self.snapshot, side.service)
            peers = self.peers
            members = set(i for i in members if any(h in ids for h in peers[i].holders)
                          and (self.packet.protocol, port) in ports)
        members = frozenset(members)
        # Share one object per distinct set, so that peer classes are computed once per set.
        return self._interned.setdefault(members, members)

    def src_pass(self, rule):
        found = self._src.get(rule.id)
        if found is None:
            found = self._side(rule.src, self.packet.src_port) if rule_static_ok(rule, self.packet) else frozenset()
            self._src[rule.id] = found
        return found

    def dst_pass(self, rule):
        found = self._dst.get(rule.id)
        if found is None:
            found = self._side(rule.dst, self.packet.port) if rule_static_ok(rule, self.packet) else frozenset()
            self._dst[rule.id] = found
        return found


def _wep(endpoint):
    return wep_party(endpoint)


def _direction_plan(snapshot, endpoint, direction):
    """(tiers, profiles): the policy walk for one endpoint and direction, as hashable structure."""
    tiers = snapshot.applicable(endpoint, CATEGORY_NORMAL, direction)
    profiles = tuple(snapshot.profile(name) for name in endpoint.profiles)
    return tiers, profiles


def _all_rules(tiers, profiles, direction):
    for tier_policies in tiers:
        for policy in tier_policies[1]:
            yield from policy.rules(direction)
    for profile in profiles:
        yield from profile.rules(direction)


def _decide_group(tiers, profiles, direction, live, class_sets, all_classes):
    """The peer classes a policy group lets through, by set operations over the walk."""
    allowed = set()
    remaining = set(all_classes)
    for tier, policies in tiers:
        passed = set()
        for policy in policies:
            for rule in policy.rules(direction):
                if not remaining:
                    break
                if rule.id not in live or rule.action == "Log":
                    continue
                hit = remaining & class_sets.get(rule.id, frozenset())
                if not hit:
                    continue
                remaining -= hit
                if rule.action == "Allow":
                    allowed |= hit
                elif rule.action == "Pass":
                    passed |= hit
        if tier.default_action == "Pass":
            remaining |= passed
        else:
            remaining = passed
    for profile in profiles:
        passed = set()
        for rule in profile.rules(direction):
            if rule.id not in live or rule.action == "Log":
                continue
            hit = remaining & class_sets.get(rule.id, frozenset())
            remaining -= hit
            if rule.action == "Allow":
                allowed |= hit
            elif rule.action == "Pass":
                passed |= hit
        remaining |= passed
    return allowed


def _classes(pods, rules, pass_of):
    """Peer class id per pod, and for each rule the class ids whose pods it matches.

    Rules sharing one pass set are handled once; a set that holds every pod splits nothing; a set holding
    more than half of the pods is recorded through its complement."""
    count = len(pods.endpoints)
    distinct = {}
    for rule in rules:
        members = pass_of(rule)
        if len(members) != count:
            distinct.setdefault(id(members), members)
    membership = [[] for index in range(count)]
    complemented = set()
    for set_id, members in distinct.items():
        if len(members) * 2 > count:
            complemented.add(set_id)
            members = pods.everyone - members
        for index in members:
            membership[index].append(set_id)
    class_ids = {}
    class_of = []
    for set_ids in membership:
        class_of.append(class_ids.setdefault(tuple(set_ids), len(class_ids)))
    all_classes = frozenset(range(len(class_ids)))
    listed = {}
    for set_ids, class_id in class_ids.items():
        for set_id in set_ids:
            listed.setdefault(set_id, set()).add(class_id)
    by_set = {}
    for set_id in distinct:
        found = frozenset(listed.get(set_id, ()))
        by_set[set_id] = all_classes - found if set_id in complemented else found
    class_sets = {}
    for rule in rules:
        members = pass_of(rule)
        if not members:
            class_sets[rule.id] = frozenset()
        elif len(members) == count:
            class_sets[rule.id] = all_classes
        else:
            class_sets[rule.id] = by_set[id(members)]
    return class_of, class_sets, len(class_ids)


def _direction_results(snapshot, pods, indexes, direction):
    """For pods at ``indexes`` (sources for egress, destinations for ingress): group id per pod, and for
    each group the set of far-side peer classes allowed; plus the peer class of every pod."""
    near_pass = pods.src_pass if direction == "egress" else pods.dst_pass
    far_pass = pods.dst_pass if direction == "egress" else pods.src_pass
    plans = {}
    for index in indexes:
        plans[index] = _direction_plan(snapshot, pods.endpoints[index], direction)
    rules = {}
    for tiers, profiles in plans.values():
        for rule in _all_rules(tiers, profiles, direction):
            rules[rule.id] = rule
    rule_list = sorted(rules.values(), key=lambda r: r.id)
    class_of, class_sets, class_count = _classes(pods, rule_list, far_pass)
    groups = {}
    group_of = {}
    results = []
    for index in indexes:
        tiers, profiles = plans[index]
        live = frozenset(r.id for r in _all_rules(tiers, profiles, direction) if index in near_pass(r))
        key = (tuple((t.name, tuple(p.id for p in pols)) for t, pols in tiers), tuple(p.name for p in profiles), live)
        if key not in groups:
            groups[key] = len(results)
            results.append(_decide_group(tiers, profiles, direction, live, class_sets, range(class_count)))
        group_of[index] = groups[key]
    return group_of, results, class_of


def _mask(positions):
    mask = 0
    for position in positions:
        mask |= 1 << position
    return mask


def _fast_rows(snapshot, pods, row_idx, col_idx, packet):
    """Row bit masks (over columns) for pod rows and pod columns."""
    egress_group, egress_ok, dst_class = _direction_results(snapshot, pods, sorted(set(row_idx)), "egress")
    ingress_group, ingress_ok, src_class = _direction_results(snapshot, pods, sorted(set(col_idx)), "ingress")
    cols_by_dst_class = {}
    cols_by_ingress_group = {}
    for column, index in enumerate(col_idx):
        cols_by_dst_class.setdefault(dst_class[index], []).append(column)
        cols_by_ingress_group.setdefault(ingress_group[index], []).append(column)
    dst_class_mask = dict((k, _mask(v)) for k, v in cols_by_dst_class.items())
    group_mask = dict((k, _mask(v)) for k, v in cols_by_ingress_group.items())
    egress_rows = []
    for allowed in egress_ok:
        egress_rows.append(_or_masks(dst_class_mask.get(k, 0) for k in allowed))
    # Ingress groups that let the same source classes in are merged: far fewer masks to combine per class.
    by_allowed = {}
    for group, allowed in enumerate(ingress_ok):
        if group in group_mask:
            key = frozenset(allowed)
            by_allowed[key] = by_allowed.get(key, 0) | group_mask[group]
    merged = list(by_allowed.items())
    ingress_by_class = {}
    rows = []
    for index in row_idx:
        klass = src_class[index]
        if klass not in ingress_by_class:
            ingress_by_class[klass] = _or_masks(mask for allowed, mask in merged if klass in allowed)
        rows.append(egress_rows[egress_group[index]] & ingress_by_class[klass])
    rows = _host_stage_masks(snapshot, pods, row_idx, col_idx, packet, rows)
    column_of = dict((index, column) for column, index in enumerate(col_idx))
    for row, index in enumerate(row_idx):
        if index in column_of:
            rows[row] |= 1 << column_of[index]
    return rows


def _or_masks(masks):
    result = 0
    for mask in masks:
        result |= mask
    return result


def _host_rules(snapshot, nodes):
    """Rules of the policies that police forwarded traffic on these nodes' host endpoints."""
    found = {}
    for node in nodes:
        hep = snapshot.host_endpoint_for(node)
        if hep is None:
            continue
        for category in (CATEGORY_FORWARD, CATEGORY_PREDNAT, CATEGORY_UNTRACKED):
            for direction in ("ingress", "egress"):
                for tier_policies in snapshot.applicable(hep, category, direction):
                    for policy in tier_policies[1]:
                        for rule in policy.rules(direction):
                            found[rule.id] = rule
    return [found[k] for k in sorted(found)]


def _host_stage_masks(snapshot, pods, row_idx, col_idx, packet, rows):
    """Clear the cells whose cross-node path a host endpoint stage denies."""
    nodes = set(e.node for e in pods.endpoints)
    if not any(snapshot.host_endpoint_for(node) is not None for node in nodes):
        return rows
    rules = _host_rules(snapshot, nodes)
    src_sig = [tuple(r.id for r in rules if i in pods.src_pass(r)) for i in range(len(pods.endpoints))]
    dst_sig = [tuple(r.id for r in rules if i in pods.dst_pass(r)) for i in range(len(pods.endpoints))]
    col_groups = {}
    for column, index in enumerate(col_idx):
        col_groups.setdefault((pods.endpoints[index].node, dst_sig[index]), []).append((column, index))
    col_masks = dict((k, _mask(pair[0] for pair in v)) for k, v in col_groups.items())
    verdicts = {}
    result = []
    for row, index in enumerate(row_idx):
        node = pods.endpoints[index].node
        mask = rows[row]
        for key, members in col_groups.items():
            if key[0] == node:
                continue
            cache_key = (node, src_sig[index], key)
            if cache_key not in verdicts:
                verdicts[cache_key] = _host_transit_ok(snapshot, pods, index, members[0][1], packet)
            if not verdicts[cache_key]:
                mask &= ~col_masks[key]
        result.append(mask)
    return result


def _host_transit_ok(snapshot, pods, src_index, dst_index, packet):
    src, dst = _wep(pods.endpoints[src_index]), _wep(pods.endpoints[dst_index])
    src_peer, dst_peer = pods.peers[src_index], pods.peers[dst_index]
    path = _Path(snapshot, packet)
    hep = snapshot.host_endpoint_for(src.node)
    if hep is not None and not path.add(forward_stage(snapshot, "source host forward", hep, "egress", packet,
                                                      src_peer, dst_peer)):
        return False
    return arrival_stages(path, dst.node, src_peer, dst_peer, False, src.ip) and not path.denied


def reachability_matrix(snapshot, sources=None, destinations=None, protocol="TCP", port=None, detail=False):
    """Verdicts for every (source, destination) pair on one protocol and port.

    ``sources``/``destinations``: lists of flow ends (``"ns/name"`` strings mean pods); None means every pod
    in the snapshot. Returns ``{"protocol", "port", "sources", "destinations", "allowed": [[bool]],
    "allowed_count", "total"}``; with ``detail=True`` also ``"cells"``: ``[[{"allowed", "decided_by",
    "explanation"}]]`` from a full ``evaluate`` of each cell (meant for small matrices and reports).
    """
    everyone = [{"pod": ref} for ref in sorted(snapshot.weps)]
    sources = [_side_spec(s) for s in (everyone if sources is None else sources)]
    destinations = [_side_spec(d) for d in (everyone if destinations is None else destinations)]
    proto = protocol_number(protocol or "TCP", "protocol")
    packet = Packet(proto, int(port) if port is not None else None)
    flow_base = {"protocol": protocol_name(proto), "port": packet.port}

    def fast_index(spec, where):
        if isinstance(spec, dict) and set(spec) == set(["pod"]) and str(spec["pod"]) in snapshot.weps:
            endpoint = snapshot.weps[str(spec["pod"])]
            if endpoint.ip_for(4) is not None:
                return endpoint
        if isinstance(spec, dict) and set(spec) == set(["pod"]):
            resolve_party(snapshot, spec, 4, where)
        return None

    row_eps = [fast_index(s, "sources[%d]" % i) for i, s in enumerate(sources)]
    col_eps = [fast_index(d, "destinations[%d]" % i) for i, d in enumerate(destinations)]
    fast_eps = sorted(set(e for e in row_eps + col_eps if e is not None), key=lambda e: e.id)
    pods = _PodSet(snapshot, fast_eps, packet)
    fast_rows = [i for i, e in enumerate(row_eps) if e is not None]
    fast_cols = [j for j, e in enumerate(col_eps) if e is not None]
    masks = {}
    if fast_rows and fast_cols:
        row_masks = _fast_rows(snapshot, pods, [pods.local[row_eps[i].id] for i in fast_rows],
                               [pods.local[col_eps[j].id] for j in fast_cols], packet)
        masks = dict(zip(fast_rows, row_masks))
    allowed = []
    slow_cols = [j for j, e in enumerate(col_eps) if e is None]
    all_fast = len(fast_cols) == len(destinations)
    for i, src in enumerate(sources):
        if i in masks:
            bits = bin(masks[i])[:1:-1]
            fast = [c == "1" for c in bits]
            fast.extend([False] * (len(fast_cols) - len(fast)))
            if all_fast:
                row = fast
            else:
                row = [None] * len(destinations)
                for position, column in enumerate(fast_cols):
                    row[column] = fast[position]
            todo = slow_cols
        else:
            row = [None] * len(destinations)
            todo = range(len(destinations))
        for j in todo:
            row[j] = evaluate(snapshot, dict(flow_base, src=src, dst=destinations[j])).allowed
        allowed.append(row)
    result = {"protocol": flow_base["protocol"], "port": packet.port,
              "sources": [_label(s) for s in sources], "destinations": [_label(d) for d in destinations],
              "allowed": allowed, "allowed_count": sum(row.count(True) for row in allowed),
              "total": len(sources) * len(destinations)}
    if detail:
        result["cells"] = [[_cell(snapshot, dict(flow_base, src=src, dst=dst)) for dst in destinations]
                           for src in sources]
    return result


def _cell(snapshot, flow):
    verdict = evaluate(snapshot, flow)
    return {"allowed": verdict.allowed, "decided_by": verdict.decided_by, "explanation": verdict.explain()}


__all__ = ["FlowError", "reachability_matrix"]
