"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as the API server applies them."""
import copy


class PatchError(ValueError):
    """A JSON patch operation that cannot be applied (bad path, failed `test`)."""


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid JSON pointer %r" % path)
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(doc, parts):
    node = doc
    for part in parts[:-1]:
        node = _child(node, part)
    return node


def _child(node, part):
    try:
        return node[int(part)] if isinstance(node, list) else node[part]
    except (KeyError, IndexError, ValueError, TypeError):
        raise PatchError("path element %r not found" % part)


def _get(doc, path):
    node = doc
    for part in _pointer(path):
        node = _child(node, part)
    return node


def _remove(doc, path):
    parts = _pointer(path)
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent = _parent(doc, parts)
    value = _child(parent, parts[-1])
    if isinstance(parent, list):
        del parent[int(parts[-1])]
    else:
        del parent[parts[-1]]
    return value


def _add(doc, path, value):
    parts = _pointer(path)
    if not parts:
        return value
    parent = _parent(doc, parts)
    if isinstance(parent, list):
        index = len(parent) if parts[-1] == "-" else int(parts[-1])
        if not 0 <= index <= len(parent):
            raise PatchError("index %d out of range" % index)
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[parts[-1]] = value
    else:
        raise PatchError("cannot add below a scalar at %r" % path)
    return doc


def json_patch(doc, operations):
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(doc)
    for op in operations:
        try:
            doc = _apply_operation(doc, op)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
            raise PatchError(str(error))
    return doc


def _apply_operation(doc, op):
    """Apply one RFC 6902 operation; return the (possibly replaced) document."""
    kind, path = op.get("op"), op.get("path", "")
    if kind == "add":
        doc = _add(doc, path, copy.deepcopy(op.get("value")))
    elif kind == "remove":
        _remove(doc, path)
    elif kind == "replace":
        _get(doc, path)
        if path:
            _remove(doc, path)
        doc = _add(doc, path, copy.deepcopy(op.get("value")))
    elif kind in ("move", "copy"):
        value = _remove(doc, op["from"]) if kind == "move" else copy.deepcopy(_get(doc, op["from"]))
        doc = _add(doc, path, value)
    elif kind == "test":
        if _get(doc, path) != op.get("value"):
            raise PatchError("testing value %s failed" % path)
    else:
        raise PatchError("unexpected op %r" % kind)
    return doc
