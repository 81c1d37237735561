"""Reads the topic table from proto/arrears/topics/v1/topics.proto (stdlib only).

Each value of `enum Topic` except TOPIC_UNSPECIFIED carries a
`[(topic) = { name: "...", partitions: N, ... }]` annotation (see the proto
for the fields). This module parses exactly that shape: the C++ code reads
the same annotations through the generated descriptors (common/topics), so
a topic added there shows up here without further edits. Anything it does
not understand is an error naming the enum value, never a silent skip.
"""

import collections
import os
import re

TOPICS_PROTO = os.path.join("proto", "arrears", "topics", "v1", "topics.proto")
DLQ_SUFFIX = ".dlq"  # common/topics/topics.h: DeadLetterTopicName

Topic = collections.namedtuple(
    "Topic", "enum name key value_type producer partitions retention_days dlq_partitions")

_REQUIRED_STRINGS = ("name", "key", "value_type", "producer")
_REQUIRED_INTS = ("partitions", "retention_days", "dlq_partitions")
# A Kubernetes object name (DNS-1123 subdomain) is also a valid Kafka topic
# name, so the KafkaTopic can be named after the topic.
_K8S_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")


class TopicsProtoError(Exception):
    pass


def _strip_comments(text):
    out = []
    for line in text.splitlines():
        in_string = False
        cut = len(line)
        for i, ch in enumerate(line):
            if ch == '"' and (i == 0 or line[i - 1] != "\\"):
                in_string = not in_string
            elif not in_string and line.startswith("//", i):
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


_FIELD = re.compile(r'\s*(\w+)\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+))\s*[,;]?')


def _parse_fields(enum_name, body):
    fields = {}
    pos = 0
    body = body.strip()
    while pos < len(body):
        match = _FIELD.match(body, pos)
        if not match:
            raise TopicsProtoError("%s: cannot parse topic option near %r" %
                                   (enum_name, body[pos:pos + 40]))
        key, text, number = match.group(1), match.group(2), match.group(3)
        if key in fields:
            raise TopicsProtoError("%s: field %s given twice" % (enum_name, key))
        fields[key] = text if text is not None else int(number)
        pos = match.end()
    for key in _REQUIRED_STRINGS:
        if not isinstance(fields.get(key), str) or not fields[key]:
            raise TopicsProtoError("%s: %s: required string" % (enum_name, key))
    for key in _REQUIRED_INTS:
        if not isinstance(fields.get(key), int) or fields[key] < 1:
            raise TopicsProtoError("%s: %s: required positive integer" % (enum_name, key))
    unknown = set(fields) - set(_REQUIRED_STRINGS) - set(_REQUIRED_INTS)
    if unknown:
        raise TopicsProtoError("%s: unknown field(s) %s" % (enum_name, ", ".join(sorted(unknown))))
    name = fields["name"]
    if len(name) + len(DLQ_SUFFIX) > 249 or not _K8S_NAME.fullmatch(name):
        raise TopicsProtoError(
            "%s: name: %r is not a lowercase DNS-1123 name (needed for the KafkaTopic)" %
            (enum_name, name))
    return Topic(enum=enum_name, **fields)


_ENUM_VALUE = re.compile(r"(\w+)\s*=\s*(\d+)\s*(\[(.*?)\])?\s*;", re.S)
_TOPIC_OPTION = re.compile(r"^\s*\(topic\)\s*=\s*\{(.*)\}\s*$", re.S)


def parse_topics(text):
    """The annotated topics of `enum Topic` in `text`, in declaration order."""
    text = _strip_comments(text)
    match = re.search(r"\benum\s+Topic\s*\{", text)
    if not match:
        raise TopicsProtoError("no `enum Topic` found")
    depth, start = 1, match.end()
    end = start
    while depth:
        if end >= len(text):
            raise TopicsProtoError("`enum Topic` is not closed")
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        end += 1
    body = text[start:end - 1]
    topics = []
    names = set()
    for value in _ENUM_VALUE.finditer(body):
        enum_name, number, options = value.group(1), int(value.group(2)), value.group(4)
        if number == 0:
            continue  # TOPIC_UNSPECIFIED
        option = _TOPIC_OPTION.match(options or "")
        if not option:
            raise TopicsProtoError("%s: missing [(topic) = {...}] annotation" % enum_name)
        topic = _parse_fields(enum_name, option.group(1))
        if topic.name in names:
            raise TopicsProtoError("%s: name %r used twice" % (enum_name, topic.name))
        names.add(topic.name)
        topics.append(topic)
    if not topics:
        raise TopicsProtoError("`enum Topic` has no annotated values")
    return topics


def load_topics(root):
    with open(os.path.join(root, TOPICS_PROTO), encoding="utf-8") as proto:
        return parse_topics(proto.read())


def dead_letter_name(topic_name):
    return topic_name + DLQ_SUFFIX
