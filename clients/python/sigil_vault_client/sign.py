"""Sigil Sign's POST /v1/authorize, over the standard library.

Sign is called directly, never through Vault: under `sigil-vault run` HTTPS_PROXY points at Vault,
which has no route to Sign, so the process-wide proxy settings are ignored here on purpose.
"""

import json
import os
import re
import urllib.error
import urllib.request
import uuid

from .intent import build_http_intent, encode_intent_header, pg_commit

FRAMEWORK = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class SigilSignError(Exception):
    """Sign answered something other than ALLOWED; `code` is Sign's SIGIL_* error code."""

    def __init__(self, code, status, message, hold_id=None):
        super().__init__("Sigil Sign refused the request: %s (%s)" % (message, code))
        self.code = code
        self.status = status
        self.hold_id = hold_id


class SigilConfigError(ValueError):
    """A required setting is missing (ERR_CLIENT_CONFIG)."""

    code = "ERR_CLIENT_CONFIG"


def _setting(value, variable, option):
    value = value if value is not None else os.environ.get(variable)
    if not value:
        raise SigilConfigError("%s is required (or $%s)" % (option, variable))
    return value


class SigilSigner:
    """Asks Sign for an attestation per request. Settings default to SIGIL_SIGN_URL,
    SIGIL_SIGN_API_KEY, SIGIL_AGENT_ID and SIGIL_FRAMEWORK."""

    def __init__(self, sign_url=None, api_key=None, agent_id=None, framework=None, timeout=10.0):
        self.sign_url = _setting(sign_url, "SIGIL_SIGN_URL", "sign_url").rstrip("/")
        self._api_key = _setting(api_key, "SIGIL_SIGN_API_KEY", "api_key")
        self.agent_id = _setting(agent_id, "SIGIL_AGENT_ID", "agent_id")
        self.framework = framework or os.environ.get("SIGIL_FRAMEWORK") or "sigil-vault-client"
        if not FRAMEWORK.match(self.framework):
            raise SigilConfigError("framework must match ^[a-z0-9][a-z0-9-]*$")
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def headers(self, method, url, body=None, content_type=None, headers=None):
        """The X-Sigil-Attestation and X-Sigil-Intent headers for this exact request."""
        intent = build_http_intent(method, url, headers=headers, body=body, content_type=content_type)
        token = self.authorize(intent)
        return {"X-Sigil-Attestation": token, "X-Sigil-Intent": encode_intent_header(intent)}

    def authorize(self, intent):
        """Returns Sign's intent_attestation for the intent, or raises SigilSignError."""
        payload = {
            "agentId": self.agent_id,
            "framework": self.framework,
            "txCommit": pg_commit(intent),
            "intent": intent,
            "request_nonce": str(uuid.uuid4()),
        }
        req = urllib.request.Request(
            self.sign_url + "/v1/authorize",
            data=json.dumps(payload).encode("utf-8"),
            headers={"Authorization": "Bearer " + self._api_key, "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with self._opener.open(req, timeout=self.timeout) as res:
                status, text = res.status, res.read(65536)
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read(65536)
        try:
            answer = json.loads(text)
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if status == 200 and answer.get("status") == "ALLOWED" and answer.get("intent_attestation"):
            return answer["intent_attestation"]
        fallback = {401: "SIGIL_AUTH_INVALID_TOKEN", 202: "SIGIL_PENDING_APPROVAL", 429: "SIGIL_RATE_LIMITED"}
        code = answer.get("error_code") or fallback.get(status) or (
            "SIGIL_INTERNAL_ERROR" if status >= 500 else "SIGIL_UNEXPECTED_RESPONSE"
        )
        hold_id = answer.get("holdId")
        message = "a human must approve hold %s" % hold_id if hold_id else answer.get("message") or "HTTP %d" % status
        raise SigilSignError(code, status, str(message)[:500], hold_id)
