"""Attested requests through Sigil Vault (docs/agents.md): SigilAuth for requests,
SigilHttpxAuth for httpx (sync and async), SigilSigner.headers() for anything else (aiohttp)."""

from .auth import SigilAuth, SigilHttpxAuth
from .intent import build_http_intent, canonical_json, encode_intent_header, pg_commit
from .sign import SigilConfigError, SigilSignError, SigilSigner

__all__ = [
    "SigilAuth",
    "SigilHttpxAuth",
    "SigilSigner",
    "SigilSignError",
    "SigilConfigError",
    "build_http_intent",
    "canonical_json",
    "encode_intent_header",
    "pg_commit",
]
