"""Is the media storage there, and may Easel use it? For start-up (gunicorn's master and the worker stop
with one line naming the variable to fix) and for /healthz (storage reachability)."""

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError
from django.core.files.storage import FileSystemStorage, default_storage

# S3 error codes that mean "these credentials are wrong", and the variable to fix for each.
CREDENTIAL_ERRORS = {
    "InvalidAccessKeyId": "AWS_ACCESS_KEY_ID is not a key this storage knows",
    "SignatureDoesNotMatch": "AWS_SECRET_ACCESS_KEY does not match AWS_ACCESS_KEY_ID",
    "AccessDenied": "AWS_ACCESS_KEY_ID may not use this bucket (access denied)",
    "InvalidToken": "AWS_SESSION_TOKEN is not valid",
    "ExpiredToken": "AWS_SESSION_TOKEN has expired",
}


def storage_problem() -> str | None:
    """None when the media storage can be listed; otherwise one line naming the variable to fix."""
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        return None  # a folder in the data directory: created on first write, checked by the file modes
    bucket = getattr(storage, "bucket_name", "")
    try:
        storage.connection.meta.client.list_objects_v2(Bucket=bucket, MaxKeys=1)
    except NoCredentialsError:
        return "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: EASEL_S3_BUCKET needs them."
    except EndpointConnectionError as error:
        return f"EASEL_S3_ENDPOINT_URL cannot be reached ({error})."
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in CREDENTIAL_ERRORS:
            return f"{CREDENTIAL_ERRORS[code]} (the storage answered {code} for bucket {bucket!r})."
        if code in ("NoSuchBucket", "404"):
            return f"EASEL_S3_BUCKET names a bucket that does not exist: {bucket!r}."
        return f"EASEL_S3_BUCKET {bucket!r} refused Easel: {code or error}."
    except BotoCoreError as error:
        return f"The storage at EASEL_S3_ENDPOINT_URL did not answer ({error})."
    return None


def storage_reachability() -> str:
    """For /healthz: "ok", or "unreachable" when the bucket does not answer (within its timeouts)."""
    return "ok" if storage_problem() is None else "unreachable"
