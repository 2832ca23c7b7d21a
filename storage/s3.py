"""Any S3-compatible server (Ceph RGW, MinIO, SeaweedFS, Russian clouds) through boto3, path-style, SigV4."""

import contextlib
from collections.abc import Iterator
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from storage.base import (
    HashingReader,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    PutResult,
    StorageError,
    StorageUnavailable,
    content_disposition,
)

CHUNK = 256 * 1024

# Parts of 8 MiB, two in flight: large uploads stream in bounded memory instead of being buffered whole.
TRANSFER = TransferConfig(
    multipart_threshold=8 * 1024 * 1024,
    multipart_chunksize=8 * 1024 * 1024,
    max_concurrency=2,
    use_threads=True,
)
NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}


def _reason(exc: Exception) -> str:
    """A short, log-safe reason for a failed call."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message') or exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode')}"
    return f"{type(exc).__name__}: {exc}"


class S3Store(ObjectStore):
    """One private bucket on an S3-compatible server."""

    name = "s3"

    def __init__(
        self,
        endpoint_url: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str,
        public_endpoint_url: str | None = None,
    ) -> None:
        if not (endpoint_url and bucket and access_key and secret_key):
            raise RuntimeError("S3 storage needs S3_ENDPOINT_URL, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY")
        self.bucket = bucket
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=3,
            read_timeout=30,
        )
        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region
        )
        self.client = session.client("s3", endpoint_url=endpoint_url, config=config)
        # Links are signed for the address browsers use, which may differ from the one the app talks to.
        self.link_client = (
            session.client("s3", endpoint_url=public_endpoint_url, config=config)
            if public_endpoint_url
            else self.client
        )

    def _call(self, operation, **params):
        """Run one S3 call, translating failures into the storage exceptions the app handles."""
        try:
            return operation(Bucket=self.bucket, **params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code"))
            if code in NOT_FOUND_CODES:
                raise ObjectNotFound(params.get("Key", "")) from exc
            raise StorageUnavailable(_reason(exc)) from exc
        except (BotoCoreError, EndpointConnectionError) as exc:
            raise StorageUnavailable(_reason(exc)) from exc

    def put(self, key: str, stream: BinaryIO, content_type: str) -> PutResult:
        """Stream the upload; boto3 switches to multipart for large files and aborts it if reading fails."""
        reader = HashingReader(stream)
        try:
            self.client.upload_fileobj(
                reader, self.bucket, key, ExtraArgs={"ContentType": content_type}, Config=TRANSFER
            )
        except (ClientError, BotoCoreError) as exc:
            self._forget(key)
            raise StorageUnavailable(_reason(exc)) from exc
        except BaseException:
            self._forget(key)
            raise
        return reader.result()

    def _forget(self, key: str) -> None:
        """Best-effort removal after a failed put, so no partial object stays behind."""
        # The put never completed, or the server is down and kept nothing we could delete.
        with contextlib.suppress(ClientError, BotoCoreError):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def open(self, key: str) -> Iterator[bytes]:
        """Stream the object's body in chunks."""
        body = self._call(self.client.get_object, Key=key)["Body"]
        return body.iter_chunks(CHUNK)

    def head(self, key: str) -> ObjectInfo:
        """Size and content type from a HEAD request."""
        meta = self._call(self.client.head_object, Key=key)
        return ObjectInfo(size=meta["ContentLength"], content_type=meta.get("ContentType", ""))

    def delete(self, key: str) -> None:
        """Delete the object (S3 treats a missing key as success)."""
        self._call(self.client.delete_object, Key=key)

    def url(self, key: str, filename: str, content_type: str, inline: bool, expires: int) -> str:
        """A presigned GET that makes the server send our file name, type and disposition."""
        return self.link_client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename, inline),
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires,
        )

    def check(self) -> None:
        """The bucket answers a HEAD with our credentials."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            raise StorageUnavailable(_reason(exc)) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(_reason(exc)) from exc

    def ensure_ready(self) -> str:
        """Create the bucket if missing, then make it private: private ACL and no bucket policy."""
        created = False
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) not in NOT_FOUND_CODES:
                raise StorageUnavailable(_reason(exc)) from exc
            self._call(self.client.create_bucket)
            created = True
        except BotoCoreError as exc:
            raise StorageUnavailable(_reason(exc)) from exc
        self._call(self.client.put_bucket_acl, ACL="private")
        try:
            self.client.delete_bucket_policy(Bucket=self.bucket)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) not in {"NoSuchBucketPolicy", "404"}:
                raise StorageError(_reason(exc)) from exc
        return f"bucket {self.bucket} {'created' if created else 'exists'}; private ACL, no bucket policy"
