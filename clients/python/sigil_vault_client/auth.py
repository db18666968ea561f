"""Auth hooks: every request (each retry included) gets its own attestation, bound to its method,
URL and body. Proxy and CA come from the environment `sigil-vault run` sets (HTTPS_PROXY,
REQUESTS_CA_BUNDLE / SSL_CERT_FILE), which requests and httpx read by default."""

from .sign import SigilSigner

try:
    import requests.auth as _requests_auth

    _AuthBase = _requests_auth.AuthBase
except ImportError:  # requests is optional
    _AuthBase = object

try:
    import httpx as _httpx

    _HttpxAuth = _httpx.Auth
except ImportError:  # httpx is optional
    _HttpxAuth = object


class SigilAuth(_AuthBase):
    """For requests: `requests.post(url, json=…, auth=SigilAuth())`.

    Streamed (generator or file) bodies cannot be hashed before sending and are refused.
    Redirects are not re-attested: pass allow_redirects=False, or expect Vault to refuse the hop.
    """

    def __init__(self, sign_url=None, api_key=None, agent_id=None, framework=None, signer=None):
        self.signer = signer or SigilSigner(sign_url, api_key, agent_id, framework)

    def __call__(self, r):
        body = r.body
        if body is not None and not isinstance(body, (bytes, str)):
            raise TypeError("SigilAuth needs the whole body to hash it; pass bytes, str, json= or data=")
        r.headers.update(
            self.signer.headers(r.method, r.url, body, r.headers.get("Content-Type"), dict(r.headers))
        )
        return r


class SigilHttpxAuth(_HttpxAuth):
    """For httpx, sync and async: `httpx.Client(auth=SigilHttpxAuth())`.

    The async flow asks Sign from a worker thread (asyncio), so the event loop keeps running.
    """

    requires_request_body = True

    def __init__(self, sign_url=None, api_key=None, agent_id=None, framework=None, signer=None):
        self.signer = signer or SigilSigner(sign_url, api_key, agent_id, framework)

    def _sign(self, request):
        body = request.content
        return self.signer.headers(
            request.method,
            str(request.url),
            body if body else (b"" if "content-length" in request.headers else None),
            request.headers.get("content-type"),
            dict(request.headers),
        )

    def sync_auth_flow(self, request):
        request.headers.update(self._sign(request))
        yield request

    async def async_auth_flow(self, request):
        import asyncio

        headers = await asyncio.get_running_loop().run_in_executor(None, self._sign, request)
        request.headers.update(headers)
        yield request
