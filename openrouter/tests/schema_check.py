"""The published ImageGenerationRequest schema (a copy in schemas/, with its source), as a validator."""

import json
from functools import cache
from pathlib import Path

import jsonschema

SCHEMA_PATH = Path(__file__).parent / "schemas" / "image_generation_request.json"


@cache
def image_request_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(body: object) -> list[str]:
    """What is wrong with a POST /images body by the published schema (nothing: an empty list)."""
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in
            image_request_validator().iter_errors(body)]  # fmt: skip
