"""Deterministic YAML for the generated Kubernetes manifests (stdlib only).

The generators under tools/deploy/ build plain Python values (dict, list,
str, int, bool) and render them here, so that a generated file is a pure
function of its inputs and the deploy test can compare the committed file
byte for byte with a fresh rendering.

Only the subset the manifests need is supported: mappings keep insertion
order, strings are written plain when YAML 1.1 (what kustomize v2 parses)
cannot mistake them for another type, and double-quoted (JSON escaping, a
valid YAML flow scalar) otherwise.
"""

import json
import os
import re

# Plain scalars that YAML 1.1 reads as booleans or null.
_YAML11_SPECIAL = {
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", ""
}
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*")
_NUMBER_LIKE = re.compile(r"[-+]?[0-9][0-9_.]*([eE][-+]?[0-9]+)?")


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if (_PLAIN.fullmatch(value) and value.lower() not in _YAML11_SPECIAL
                and not _NUMBER_LIKE.fullmatch(value)):
            return value
        return json.dumps(value)
    raise TypeError("unsupported YAML value %r" % (value,))


def _is_scalar(value):
    return isinstance(value, (bool, int, str))


def _lines(value, indent):
    pad = " " * indent
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("mapping key %r is not a string" % (key,))
            head = "%s%s:" % (pad, _scalar(key))
            if _is_scalar(item):
                out.append("%s %s" % (head, _scalar(item)))
            elif not item:
                out.append("%s %s" % (head, "{}" if isinstance(item, dict) else "[]"))
            elif isinstance(item, dict):
                out.append(head)
                out.extend(_lines(item, indent + 2))
            else:  # a list, written at the key's indentation as kubectl does
                out.append(head)
                out.extend(_lines(item, indent))
    elif isinstance(value, list):
        for item in value:
            if _is_scalar(item):
                out.append("%s- %s" % (pad, _scalar(item)))
            elif isinstance(item, dict) and item:
                nested = _lines(item, indent + 2)
                nested[0] = "%s- %s" % (pad, nested[0][indent + 2:])
                out.extend(nested)
            else:
                raise TypeError("unsupported list item %r" % (item,))
    else:
        raise TypeError("unsupported YAML document %r" % (value,))
    return out


def dump_documents(documents, header):
    """A multi-document YAML file: `header` lines as comments, then each document."""
    parts = ["\n".join("# " + line if line else "#" for line in header)]
    for document in documents:
        parts.append("---\n" + "\n".join(_lines(document, 0)))
    return "\n".join(parts) + "\n"


def write_or_check(path, content, check):
    """Writes `content` to `path`; with `check`, only reports whether it differs.

    Returns the path when it is out of date (check mode) and None otherwise.
    """
    if check:
        try:
            with open(path, encoding="utf-8") as existing:
                if existing.read() == content:
                    return None
        except FileNotFoundError:
            pass
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write(content)
    return None


def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
