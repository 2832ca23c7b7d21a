"""Any S3-compatible server (Ceph RGW, MinIO, SeaweedFS, Russian clouds) through boto3, path-style, SigV4."""

import contextlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from storage.base import (
    READ_PIECE,
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

# Large uploads go up in parts through a few reusable buffers: PARTS_IN_FLIGHT are sent while the next one
# fills from the request. boto3's upload_fileobj allocates a fresh buffer per part for streams that cannot
# seek, which measured 50-60 MB of resident growth per 100 MB upload (bench/upload_s3.py).
PART_SIZE = 5 * 1024 * 1024  # the smallest part S3 allows
PARTS_IN_FLIGHT = 3
# The largest object S3 takes in one PUT.
MAX_SINGLE_PUT = 5 * 1024**3
NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}


def _fill(reader: HashingReader, buffer: bytearray) -> int:
    """Fill the buffer from the reader; returns how many bytes it holds (fewer than its size only at the end)."""
    filled = 0
    while filled < len(buffer):
        piece = reader.read(min(len(buffer) - filled, READ_PIECE))
        if not piece:
            break
        buffer[filled : filled + len(piece)] = piece
        filled += len(piece)
    return filled


class _ExactBody:
    """The body of a streamed PUT: exactly `size` bytes of the reader, refused if the reader ends sooner."""

    def __init__(self, reader: HashingReader, size: int) -> None:
        self._reader = reader
        self._left = size
        self._size = size
        # What broke the incoming stream: urllib3 reports it as a dropped connection to the server, but it is the
        # sender's failure, not the store's, and put() raises it as it was.
        self.failure: BaseException | None = None

    def read(self, n: int = -1) -> bytes:
        """The next piece, up to READ_PIECE bytes whatever `n` asks.

        urllib3 asks for 16 KiB at a time and sends whatever it gets; each small read of a gunicorn request body
        copies gunicorn's read-ahead buffer, so small pieces cost more than the hashing and sending together.
        """
        wanted = min(self._left, READ_PIECE)
        if wanted == 0:
            return b""
        # Raised inside the send, so the connection to the server is dropped and it keeps no object.
        try:
            chunk = self._reader.read(wanted)
            if not chunk:
                raise StorageError(
                    f"the upload ended after {self._size - self._left} of the {self._size} bytes announced"
                )
        except BaseException as exc:
            self.failure = exc
            raise
        self._left -= len(chunk)
        return chunk


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
            # We hash every upload with SHA-256 ourselves; botocore's default CRC trailers cost CPU and are not
            # understood by every S3-compatible server.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region
        )
        self.client = session.client("s3", endpoint_url=endpoint_url, config=config)
        # Uploads of a known size go up in one streamed PUT. Over plain HTTP botocore signs the body's SHA-256,
        # which needs the whole body in hand before the first byte leaves (the 5 MB parts the other path buffers);
        # an unsigned payload lets the bytes flow from the request to the server as they arrive. The headers are
        # still signed, and we record our own SHA-256 of the bytes. A request body cannot be replayed: no retries.
        streaming = config.merge(
            Config(
                s3={"addressing_style": "path", "payload_signing_enabled": False},
                retries={"max_attempts": 1, "mode": "standard"},
            )
        )
        self.stream_client = session.client("s3", endpoint_url=endpoint_url, config=streaming)
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

    def put(self, key: str, stream: BinaryIO, content_type: str, size: int | None = None) -> PutResult:
        """Stream the upload, undone on any failure: one streamed PUT when the size is known, otherwise one PUT
        for small files and a multipart upload of buffered parts for large ones."""
        reader = HashingReader(stream)
        body = None
        try:
            if size is not None and size <= MAX_SINGLE_PUT:
                body = _ExactBody(reader, size)
                self.stream_client.put_object(
                    Bucket=self.bucket, Key=key, Body=body, ContentLength=size, ContentType=content_type
                )
                if stream.read(1):
                    raise StorageError(f"the upload ran past the {size} bytes announced")
                return reader.result()
            first = bytearray(PART_SIZE)
            filled = _fill(reader, first)
            if filled < PART_SIZE:
                self.client.put_object(
                    Bucket=self.bucket, Key=key, Body=bytes(first[:filled]), ContentType=content_type
                )
            else:
                self._put_in_parts(key, reader, content_type, first)
        except (ClientError, BotoCoreError) as exc:
            self._forget(key)
            if body is not None and body.failure is not None:
                raise body.failure from None
            raise StorageUnavailable(_reason(exc)) from exc
        except BaseException:
            self._forget(key)
            raise
        return reader.result()

    def _put_in_parts(self, key, reader, content_type, first: bytearray) -> None:
        """Send full buffers as parts (PARTS_IN_FLIGHT at once) while the next fills; abort on any failure."""
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=content_type)[
            "UploadId"
        ]
        buffers = [first] + [bytearray(PART_SIZE) for _ in range(PARTS_IN_FLIGHT)]
        parts, in_flight, filled, number = [], deque(), PART_SIZE, 1
        try:
            with ThreadPoolExecutor(max_workers=PARTS_IN_FLIGHT) as sender:
                while filled:
                    buffer = buffers[(number - 1) % len(buffers)]
                    body = buffer if filled == PART_SIZE else bytes(buffer[:filled])
                    sending = sender.submit(
                        self.client.upload_part,
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=body,
                    )
                    in_flight.append((number, sending))
                    if len(in_flight) == PARTS_IN_FLIGHT:
                        # The buffer about to be refilled must have been sent.
                        done, future = in_flight.popleft()
                        parts.append({"PartNumber": done, "ETag": future.result()["ETag"]})
                    number += 1
                    filled = _fill(reader, buffers[(number - 1) % len(buffers)])
                for done, future in in_flight:
                    parts.append({"PartNumber": done, "ETag": future.result()["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

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
                # A patient's file: no browser or proxy cache keeps it after the link expires.
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=expires,
        )

    def check(self) -> None:
        """The bucket answers a HEAD with our credentials; on failure a GET tells why (HEAD answers carry no body)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self._call(self.client.list_objects_v2, MaxKeys=1)
            raise StorageUnavailable("the bucket refused a HEAD request") from None
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
