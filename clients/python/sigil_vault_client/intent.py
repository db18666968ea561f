"""The HTTP intent of one request, in Sigil Sign's closed intent schema.

Same rules as the Node client (docs/agents.md): action "http", method, url, host, path, query;
with a body, body_projection {content_type, size_bytes} and metadata.body_sha256; always a fresh
metadata.nonce; x-amz-* headers other than the three SigV4 computes pinned in metadata.headers.
txCommit is pg-commit-v1: SHA-256 hex of the canonical JSON (keys sorted by UTF-16 code units,
no whitespace).
"""

import base64
import hashlib
import json
import uuid
from urllib.parse import urlsplit

SIGV4_OWN = {"x-amz-date", "x-amz-content-sha256", "x-amz-security-token"}


def canonical_json(value):
    """pg-commit-v1 canonical JSON for the values an intent holds (str, int, bool, None, dict, list)."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical_json(value[k]) for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    raise TypeError("pg-commit-v1: unsupported value of type %s" % type(value).__name__)


def pg_commit(intent):
    """Sign's txCommit for an intent."""
    return hashlib.sha256(canonical_json(intent).encode("utf-8")).hexdigest()


def encode_intent_header(intent):
    """The X-Sigil-Intent value: unpadded base64url of the canonical JSON."""
    raw = canonical_json(intent).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def build_http_intent(method, url, headers=None, body=None, content_type=None, nonce=None):
    """The intent of one request; `body` is the exact bytes sent (None for no body)."""
    parts = urlsplit(url)
    metadata = {"nonce": nonce or str(uuid.uuid4())}
    intent = {
        "action": "http",
        "method": method.upper(),
        "url": url,
        "host": (parts.hostname or "").strip("[]"),
        "path": parts.path or "/",
        "metadata": metadata,
    }
    if parts.query:
        intent["query"] = parts.query
    if body is not None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        intent["body_projection"] = {
            "content_type": content_type or "application/octet-stream",
            "size_bytes": len(body),
        }
        metadata["body_sha256"] = hashlib.sha256(body).hexdigest()
    pinned = {}
    for name, value in (headers or {}).items():
        lower = name.lower()
        if lower.startswith("x-amz-") and lower not in SIGV4_OWN:
            pinned[lower] = value
    if pinned:
        metadata["headers"] = pinned
    return intent
