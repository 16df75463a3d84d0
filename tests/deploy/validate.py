"""Validate every object of every rendered overlay (and the Secret example) against the Kubernetes
schemas, OFFLINE: kubernetes-validate ships the schemas in its wheel and resolves their references
locally; custom resources against tests/deploy/crd_schemas.py.

    python -m tests.deploy.validate        (a step of `make deploy-check`)

Prints one line per overlay and version; exits 1 on the first overlay with an invalid object.
"""

import sys

import jsonschema
import kubernetes_validate

from .crd_schemas import CUSTOM
from .manifests import DEPLOY, KUBERNETES_VERSIONS, OVERLAYS, describe, load_file, render


def problems(docs: list[dict], version: str) -> list[str]:
    found = []
    for doc in docs:
        schema = CUSTOM.get((doc.get("apiVersion"), doc.get("kind")))
        try:
            if schema is not None:
                jsonschema.validate(doc, schema)
            else:
                kubernetes_validate.validate(doc, version, strict=True)
        except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as error:
            found.append(f"{describe(doc)}: {error.message} at {'/'.join(str(p) for p in error.absolute_path)}")
        except kubernetes_validate.SchemaNotFoundError:
            found.append(f"{describe(doc)}: no schema for {doc.get('apiVersion')} {doc.get('kind')} in Kubernetes {version}")
    return found


def main() -> int:
    failed = False
    sets = {f"overlays/{overlay}": render(overlay) for overlay in OVERLAYS}
    sets["base/secret.example.yaml"] = load_file(DEPLOY / "base" / "secret.example.yaml")
    for name, docs in sets.items():
        for version in KUBERNETES_VERSIONS:
            found = problems(docs, version)
            kinds = sorted({doc["kind"] for doc in docs})
            print(
                f"{name}: {len(docs)} objects ({', '.join(kinds)}) against Kubernetes {version}: {'INVALID' if found else 'valid'}"
            )
            for problem in found:
                print(f"  {problem}")
            failed |= bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
