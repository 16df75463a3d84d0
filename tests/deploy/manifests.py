"""The rendered manifests of deploy/ (kustomize overlays), for the checks of `make deploy-check`."""

import shutil
import subprocess
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAYS = sorted(path.name for path in (DEPLOY / "overlays").iterdir() if (path / "kustomization.yaml").exists())
# The Kubernetes versions every object must validate against: OpenShift 4.14's (the oldest VSHN
# still runs) and the newest the schemas know.
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")


def kubectl() -> str | None:
    return shutil.which("kubectl")


@cache
def render_text(overlay: str) -> str:
    binary = kubectl()
    if binary is None:
        raise RuntimeError("kubectl is not on PATH: it renders the kustomize overlays (kubectl kustomize)")
    result = subprocess.run(  # noqa: S603  (our own overlay directory)
        [binary, "kustomize", str(DEPLOY / "overlays" / overlay)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize deploy/overlays/{overlay} failed:\n{result.stderr}")
    return result.stdout


def render(overlay: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(render_text(overlay)) if doc]


def load_file(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def describe(doc: dict) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
