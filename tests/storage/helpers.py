"""Following download links the way a browser would."""

import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass
class Fetched:
    """What a browser got for a link."""

    status: int
    headers: dict
    body: bytes


def fetch(client, url: str) -> Fetched:
    """GET a download link: the app's own route for local storage, the S3 server for presigned URLs."""
    if url.startswith("/"):
        response = client.get(url)
        fetched = Fetched(response.status_code, dict(response.headers), response.get_data())
        response.close()
        return fetched
    assert url.startswith("http://127.0.0.1:"), url  # tests only ever talk to loopback
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback URL checked above
            return Fetched(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers), error.read())


def tamper(url: str) -> str:
    """Change one character of the link's signature."""
    if "X-Amz-Signature=" in url:
        head, signature = url.split("X-Amz-Signature=")
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        return head + "X-Amz-Signature=" + flipped
    # A character inside the signature (the last one may only carry base64 padding bits).
    position = len(url) - 5
    return url[:position] + ("A" if url[position] != "A" else "B") + url[position + 1 :]
