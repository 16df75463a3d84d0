"""Issue 19: the invariants of deploy/, on every rendered overlay (`kubectl kustomize`).

Run by `make deploy-check` (and by `make test` where kubectl is installed). Each assertion says which
promise of README "Deploy on Kubernetes/OpenShift" it keeps.
"""

import re
from pathlib import Path

import pytest
import yaml

from .manifests import DEPLOY, OVERLAYS, ROOT, describe, kubectl, render

pytestmark = pytest.mark.skipif(kubectl() is None, reason="kubectl is not on PATH (make deploy-check needs it to render deploy/)")

APP_COMPONENTS = ("web", "worker", "beat")


@pytest.fixture(scope="module", params=OVERLAYS)
def objects(request) -> list[dict]:
    return render(request.param)


def one(objects, kind: str, name: str) -> dict:
    found = [doc for doc in objects if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected exactly one {kind}/{name}, found {len(found)}"
    return found[0]


def workloads(objects) -> list[dict]:
    return [doc for doc in objects if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")]


def pod_spec(workload: dict) -> dict:
    template = (
        workload["spec"]["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else workload["spec"]["template"]
    )
    return template["spec"]


def containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def config(objects) -> dict:
    return one(objects, "ConfigMap", "partnerhub-config")["data"]


def test_the_overlays_are_kubernetes_and_openshift():
    assert OVERLAYS == ["kubernetes", "openshift"]


def test_exactly_one_beat_with_recreate(objects):
    """Two beats would queue every sweep twice; Recreate stops the old one before the new one starts."""
    beats = [
        doc
        for doc in workloads(objects)
        if any("beat" in container.get("args", []) or "beat" in container.get("command", []) for container in containers(doc))
    ]
    assert [describe(doc) for doc in beats] == ["Deployment/partnerhub-beat"]
    beat = beats[0]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert not [
        doc
        for doc in objects
        if doc["kind"] == "HorizontalPodAutoscaler" and doc["spec"]["scaleTargetRef"]["name"] == "partnerhub-beat"
    ]


def test_the_beat_schedule_file_is_on_a_writable_emptydir(objects):
    beat = one(objects, "Deployment", "partnerhub-beat")
    container = pod_spec(beat)["containers"][0]
    schedule = next(arg.split("=", 1)[1] for arg in container["args"] if arg.startswith("--schedule="))
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod_spec(beat)["volumes"]}
    directory = str(Path(schedule).parent)
    assert directory in mounts and "emptyDir" in volumes[mounts[directory]], f"{schedule} must be on an emptyDir"


def test_web_rolls_without_losing_capacity_and_probes_healthz(objects):
    web = one(objects, "Deployment", "partnerhub-web")
    assert web["spec"]["strategy"]["type"] == "RollingUpdate"
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    hpa = [doc for doc in objects if doc["kind"] == "HorizontalPodAutoscaler"]
    replicas = hpa[0]["spec"]["minReplicas"] if hpa else web["spec"]["replicas"]
    assert replicas >= 2
    container = pod_spec(web)["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        path = container[probe]["httpGet"]["path"]
        assert path.split("?")[0] == "/healthz", f"{probe} must call /healthz, not {path}"
        assert container[probe]["httpGet"]["port"] in ("http", 8000)
    # A request in flight when the pod stops still finishes: longer than gunicorn's timeout + preStop.
    timeout = int(config(objects)["GUNICORN_TIMEOUT"])
    assert pod_spec(web)["terminationGracePeriodSeconds"] > timeout + 5
    pdb = one(objects, "PodDisruptionBudget", "partnerhub-web")
    assert pdb["spec"]["selector"]["matchLabels"] == web["spec"]["selector"]["matchLabels"]


def test_every_pod_runs_restricted(objects):
    """OpenShift restricted-v2 SCC and the restricted Pod Security Standard: no fixed UID, non-root,
    no privilege escalation, no capabilities, read-only root with /tmp on an emptyDir, seccomp."""
    for workload in workloads(objects):
        spec = pod_spec(workload)
        pod_context = spec.get("securityContext", {})
        assert pod_context.get("seccompProfile", {}).get("type") == "RuntimeDefault", describe(workload)
        assert "runAsUser" not in pod_context, f"{describe(workload)}: no fixed UID (OpenShift assigns one)"
        assert spec.get("automountServiceAccountToken") is False, describe(workload)
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC")
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        assert not [name for name, volume in volumes.items() if "hostPath" in volume], describe(workload)
        for container in containers(workload):
            where = f"{describe(workload)} container {container['name']}"
            context = container.get("securityContext", {})
            assert context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is True, where
            assert "runAsUser" not in context, f"{where}: no fixed UID"
            assert context.get("allowPrivilegeEscalation") is False, where
            assert context.get("privileged") is not True, where
            assert context.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not context.get("capabilities", {}).get("add"), where
            assert context.get("readOnlyRootFilesystem") is True, where
            tmp = [mount for mount in container.get("volumeMounts", []) if mount["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{where}: /tmp must be an emptyDir"
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), where
            assert {"cpu", "memory"} <= set(resources.get("limits", {})), where


def test_one_released_image_never_latest(objects):
    images = {container["image"] for workload in workloads(objects) for container in containers(workload)}
    assert len(images) == 1, f"web, worker, beat and the migration run one image: {images}"
    image = images.pop()
    name, _, tag = image.rpartition(":")
    assert "@sha256:" in image or (name and "/" not in tag), f"{image}: the image needs a tag or digest"
    assert tag != "latest", f"{image}: never latest"


def test_web_worker_beat_and_the_migration_share_image_and_environment(objects):
    """The same configuration everywhere: a worker mailing with other settings than the web is a bug."""
    environments = {}
    for workload in workloads(objects):
        for container in containers(workload):
            environments[f"{describe(workload)}/{container['name']}"] = (
                container["image"],
                yaml.safe_dump(container.get("env", [])),
                yaml.safe_dump(container.get("envFrom", [])),
            )
    names = [name for name in environments if any(f"partnerhub-{c}/" in name for c in APP_COMPONENTS)]
    assert len({pod.split("/")[1] for pod in names}) == 3
    assert len(set(environments.values())) == 1, environments
    env_from = yaml.safe_load(next(iter(environments.values()))[2])
    assert {"configMapRef": {"name": "partnerhub-config"}} in env_from
    assert {"secretRef": {"name": "partnerhub-secrets"}} in env_from


def test_migrations_run_before_new_pods_take_traffic(objects):
    job = one(objects, "Job", "partnerhub-migrate")
    assert pod_spec(job)["containers"][0]["args"] == ["python", "manage.py", "migrate", "--noinput"]
    annotations = job["metadata"]["annotations"]
    assert annotations["argocd.argoproj.io/hook"] == "Sync"
    assert int(annotations["argocd.argoproj.io/sync-wave"]) < 0
    for name in APP_COMPONENTS:
        deployment = one(objects, "Deployment", f"partnerhub-{name}")
        init = pod_spec(deployment).get("initContainers", [])
        assert init and "migrate --check" in " ".join(init[0]["command"]), f"{name} must wait for the migrations"


def test_uploads_are_on_shared_storage(objects):
    pvc = one(objects, "PersistentVolumeClaim", "partnerhub-media")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    media_root = config(objects)["MEDIA_ROOT"]
    for name in ("web", "worker"):
        spec = pod_spec(one(objects, "Deployment", f"partnerhub-{name}"))
        claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if "persistentVolumeClaim" in v}
        mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
        assert claims.get(mounts.get(media_root)) == "partnerhub-media", f"{name} must mount the media volume at {media_root}"


def test_no_per_process_state_in_the_configuration(objects):
    """Multiprocess metrics and the request path: nothing in a process that a second pod would miss."""
    data = config(objects)
    assert data["DJANGO_DEBUG"] == "false"
    assert data["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")
    assert data["TRUSTED_PROXY_COUNT"] == "1"


def test_traffic_reaches_the_web_service(objects):
    service = one(objects, "Service", "partnerhub-web")
    web = one(objects, "Deployment", "partnerhub-web")
    ports = {port["name"]: port["containerPort"] for port in pod_spec(web)["containers"][0]["ports"]}
    assert service["spec"]["ports"][0]["targetPort"] in ports
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]
    routes = [doc for doc in objects if doc["kind"] in ("Ingress", "Route")]
    assert len(routes) == 1
    entry = routes[0]
    if entry["kind"] == "Route":
        assert entry["spec"]["to"]["name"] == "partnerhub-web" and entry["spec"]["tls"]["termination"] == "edge"
        assert entry["spec"]["tls"]["insecureEdgeTerminationPolicy"] == "Redirect"
    else:
        backend = entry["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        assert backend["name"] == "partnerhub-web" and entry["spec"]["tls"]


def test_no_secret_is_rendered_and_the_example_holds_none(objects):
    assert not [doc for doc in objects if doc["kind"] == "Secret"], "Secrets are created from the vault, never from git"
    example = yaml.safe_load((DEPLOY / "base" / "secret.example.yaml").read_text())
    for key, value in example["stringData"].items():
        assert "change-me" in value, f"secret.example.yaml {key} must hold a placeholder"


def test_monitoring_scrapes_with_the_token_and_alerts_on_sweeps(objects):
    monitor = one(objects, "ServiceMonitor", "partnerhub")
    endpoint = monitor["spec"]["endpoints"][0]
    assert endpoint["path"] == "/metrics" and endpoint["port"] == "http"
    assert endpoint["authorization"]["credentials"] == {"name": "partnerhub-secrets", "key": "METRICS_TOKEN"}
    rules = one(objects, "PrometheusRule", "partnerhub")
    expressions = " ".join(rule["expr"] for group in rules["spec"]["groups"] for rule in group["rules"])
    assert "partnerhub_sweep_last_success_age_seconds" in expressions  # sweeps stop
    assert "partnerhub_sweep_failing" in expressions  # sweeps fail
    # Every metric the rules use is one PartnerHub or django-prometheus exports.
    exported = (ROOT / "partnerhub" / "metrics.py").read_text()
    for metric in set(re.findall(r"\b(partnerhub_[a-z_]+)", expressions)):
        base = re.sub(r"_total$", "", metric)
        assert f'"{base}"' in exported or f'"{metric}"' in exported, f"{metric} is not exported by partnerhub/metrics.py"


def test_the_dockerfile_runs_as_any_uid_in_group_0():
    dockerfile = (ROOT / "Dockerfile").read_text()
    user = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.M)
    assert user and re.fullmatch(r"[1-9][0-9]*(:0)?", user[-1]), "USER must be numeric and not root (runAsNonRoot checks it)"
    assert "chgrp 0 /app/media" in dockerfile and "chmod 2775 /app/media" in dockerfile
    assert re.search(r"^FROM \S+:\S+", dockerfile, flags=re.M) and ":latest" not in dockerfile
    assert "partnerhub.gunicorn_conf" in dockerfile
