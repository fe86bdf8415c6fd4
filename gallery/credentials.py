"""Content Credentials (C2PA manifests) in original image files, read with c2pa-python.

OpenAI and Google sign the images their models make. Easel keeps every original byte for byte, so a
signed file stays valid; this module reads what its manifest says, once, when the file is stored (and
for older images, lazily or by `manage.py read_content_credentials`). Nothing here writes to a file.

The reader never goes to the network: remote manifests and OCSP look-ups are off, so a file cannot make
Easel fetch a URL it names, and reading works offline. A manifest the library cannot parse is reported
as "unreadable", never as an error: the page that shows it must not break.
"""

import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import c2pa

logger = logging.getLogger("easel.gallery")

NONE = "none"
PRESENT = "present"
UNREADABLE = "unreadable"

# Reading only: no remote manifests, no OCSP (both would fetch URLs an image names).
READER_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
TEXT_LIMIT = 200  # each value comes from the file: keep what the page shows short
PROBLEM_LIMIT = 5
AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")


@dataclass(frozen=True)
class ContentCredentials:
    """What an original's manifest says: `status` is NONE, PRESENT or UNREADABLE; `summary` is for PRESENT."""

    status: str
    summary: dict[str, Any] = field(default_factory=dict)


NO_CREDENTIALS = ContentCredentials(status=NONE)


def read_content_credentials(*, data: bytes, mime_type: str) -> ContentCredentials:
    """The manifest summary of an image file's bytes (never raises for anything the file contains)."""
    try:
        context = c2pa.Context.from_dict(READER_SETTINGS)
        reader = c2pa.Reader.try_create(mime_type, io.BytesIO(data), None, context)
        if reader is None:
            return ContentCredentials(status=NONE)
        with reader:
            store = json.loads(reader.json())
            state = reader.get_validation_state() or ""
        return ContentCredentials(status=PRESENT, summary=_summary(store, state))
    except c2pa.C2paError.NotSupported:
        return ContentCredentials(status=NONE)
    except Exception as error:  # the library's errors, bad JSON, an unexpected shape: all "unreadable"
        logger.info("Content Credentials could not be read (%s: %s)", type(error).__name__, str(error)[:200])
        return ContentCredentials(status=UNREADABLE)


def _summary(store: dict, state: str) -> dict[str, Any]:
    manifest = store["manifests"][store["active_manifest"]]
    signature = manifest.get("signature_info") or {}
    return {
        "signer": _text(signature.get("common_name") or signature.get("issuer")),
        "issuer": _text(signature.get("issuer")),
        "signed_at": _text(signature.get("time")),
        "tool": _tool(manifest),
        "validation": _text(state),
        "problems": _problems(store),
        "ai_generated": _ai_generated(manifest),
        "title": _text(manifest.get("title")),
    }


def _text(value: Any) -> str:
    return str(value)[:TEXT_LIMIT] if value else ""


def _tool(manifest: dict) -> str:
    """The claim generator: the app or model that made the claim (C2PA 2 lists it, C2PA 1 names it)."""
    for info in manifest.get("claim_generator_info") or []:
        if isinstance(info, dict) and info.get("name"):
            return _text(" ".join(str(part) for part in (info["name"], info.get("version")) if part))
    return _text(manifest.get("claim_generator"))


def _problems(store: dict) -> list[str]:
    """Why the manifest does not fully validate, in the library's words (an untrusted signer included)."""
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = results.get("failure") or store.get("validation_status") or []
    return [_text(item.get("explanation") or item.get("code")) for item in failures[:PROBLEM_LIMIT]]


def _ai_generated(manifest: dict) -> bool:
    for assertion in manifest.get("assertions") or []:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            if str(action.get("digitalSourceType", "")).endswith(AI_SOURCE_TYPES):
                return True
    return False
