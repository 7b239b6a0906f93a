"""In-memory object storage with one global resourceVersion counter, like etcd behind a kube-apiserver."""
import copy
import re
import threading


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.objects = {}
        self.revision = 1000

    def next_revision(self):
        with self.lock:
            self.revision += 1
            return str(self.revision)

    @staticmethod
    def key(resource, namespace, name):
        return (resource.group, resource.plural, namespace or "", name)

    def get(self, resource, namespace, name):
        with self.lock:
            found = self.objects.get(self.key(resource, namespace, name))
            return copy.deepcopy(found) if found is not None else None

    def put(self, resource, obj):
        meta = obj["metadata"]
        with self.lock:
            self.objects[self.key(resource, meta.get("namespace") if resource.namespaced else "",
                                  meta["name"])] = copy.deepcopy(obj)

    def delete(self, resource, namespace, name):
        with self.lock:
            return self.objects.pop(self.key(resource, namespace, name), None)

    def items(self, resource, namespace=None):
        """Objects of one resource (in one namespace if given), in etcd key order."""
        with self.lock:
            keys = sorted(k for k in self.objects if k[:2] == (resource.group, resource.plural) and
                          (namespace is None or k[2] == namespace))
            return [copy.deepcopy(self.objects[k]) for k in keys]

    def drop_namespace(self, namespace):
        with self.lock:
            for key in [k for k in self.objects if k[2] == namespace]:
                del self.objects[key]

    def dump(self):
        with self.lock:
            return [copy.deepcopy(self.objects[k]) for k in sorted(self.objects)]


# --- label and field selectors (the apimachinery `labels.Parse` grammar, basics) ---------------------------------

_SET_TERM = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_CMP_TERM = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


class SelectorError(ValueError):
    """A selector the real server would refuse with 400 BadRequest."""


def split_terms(selector):
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    return [t for t in terms + [current] if t.strip()]


def label_matcher(selector):
    """Return a predicate over a labels dict for `k=v,k!=v,k in (a,b),k notin (a),k,!k`."""
    checks = []
    for term in split_terms(selector or ""):
        cmp_match, set_match = _CMP_TERM.match(term), _SET_TERM.match(term)
        if cmp_match:
            key, op, value = cmp_match.groups()
            checks.append(_compare(key, op, value))
        elif set_match:
            negate, key, op, values = set_match.groups()
            checks.append(_set_check(negate, key, op, values))
        else:
            raise SelectorError("unable to parse requirement: %r" % term)
    return lambda labels: all(check(labels or {}) for check in checks)


def _compare(key, op, value):
    if op == "!=":
        return lambda labels: labels.get(key) != value
    return lambda labels: labels.get(key) == value


def _set_check(negate, key, op, values):
    wanted = {v.strip() for v in (values or "").split(",") if v.strip()}
    if op == "in":
        return lambda labels: labels.get(key) in wanted
    if op == "notin":
        return lambda labels: labels.get(key) not in wanted
    if negate:
        return lambda labels: key not in labels
    return lambda labels: key in labels


def field_matcher(selector):
    """metadata.name and metadata.namespace, with =, == and !=, as every resource supports."""
    checks = []
    for term in split_terms(selector or ""):
        match = _CMP_TERM.match(term)
        if not match or match.group(1) not in ("metadata.name", "metadata.namespace"):
            raise SelectorError('field label not supported: %s' % term.split("=")[0].strip("!"))
        field, op, value = match.groups()
        checks.append((field.split(".")[1], op == "!=", value))
    return lambda meta: all((meta.get(f, "") == v) != negate for f, negate, v in checks)
