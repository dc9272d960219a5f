"""WhatsApp Cloud API media: a photo or document arrives as a media id, fetched through the Graph API.

Two requests, both with the access token: ``GET {base}/{media_id}`` answers the file's short-lived URL,
type and sha256; ``GET {url}`` answers the bytes. A failure the next try may not have (no connection, a
timeout, 429, 5xx) is ``transient``; anything else (404, a bad checksum, a file over the limit) is not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx


class MediaError(Exception):
    """The media could not be fetched; ``transient`` when retrying later may succeed."""

    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class Media:
    """A fetched media file."""

    data: bytes
    mime_type: str


class GraphMediaClient:
    """Fetches media by id from the Graph API (``base_url`` is a setting, so tests can point it at themselves)."""

    def __init__(self, base_url: str, token: str, max_bytes: int, timeout_s: float = 20.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    def fetch(self, media_id: str) -> Media:
        """The media's bytes and type; raises ``MediaError``."""
        if not media_id or "/" in media_id or media_id in (".", ".."):
            raise MediaError(f"bad media id {media_id!r}", transient=False)
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(timeout=self.timeout_s, headers=headers, follow_redirects=True) as client:
            meta = self._json(client, f"{self.base_url}/{media_id}")
            url = meta.get("url")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise MediaError(f"the Graph API gave no download URL for media {media_id}", transient=False)
            data = self._bytes(client, url)
        expected = meta.get("sha256")
        if isinstance(expected, str) and expected and hashlib.sha256(data).hexdigest() != expected.lower():
            raise MediaError(f"media {media_id} does not match its sha256", transient=False)
        return Media(data, str(meta.get("mime_type") or "application/octet-stream"))

    def _json(self, client: httpx.Client, url: str) -> dict[str, object]:
        """One Graph API call answered as a JSON object."""
        response = self._get(client, url)
        try:
            body = response.json()
        except ValueError as e:
            raise MediaError("the Graph API answered something that is not JSON", transient=False) from e
        if not isinstance(body, dict):
            raise MediaError("the Graph API answered JSON that is not an object", transient=False)
        return body

    def _bytes(self, client: httpx.Client, url: str) -> bytes:
        """The media's bytes, streamed and cut off at the size limit."""
        try:
            with client.stream("GET", url) as response:
                _check(response)
                out = bytearray()
                for chunk in response.iter_bytes():
                    out += chunk
                    if len(out) > self.max_bytes:
                        raise MediaError(f"the media is larger than {self.max_bytes} bytes", transient=False)
                return bytes(out)
        except httpx.TransportError as e:
            raise MediaError(f"downloading the media failed: {type(e).__name__}", transient=True) from e

    @staticmethod
    def _get(client: httpx.Client, url: str) -> httpx.Response:
        """A GET whose failure becomes a MediaError that says whether to retry."""
        try:
            response = client.get(url)
        except httpx.TransportError as e:
            raise MediaError(f"the Graph API could not be reached: {type(e).__name__}", transient=True) from e
        _check(response)
        return response


def _check(response: httpx.Response) -> None:
    """Raise the MediaError an unsuccessful answer means."""
    code = response.status_code
    if code < 400:
        return
    transient = code == 429 or code >= 500
    raise MediaError(f"the Graph API answered HTTP {code}", transient=transient)
