"""deploy/jupyterhub/values.yaml for Zero to JupyterHub: keys the chart accepts, sizes, sign-in, exchange.

helm is not installable here and no registry package ships the chart's ``values.schema.yaml``, so the file is
checked against ``CHART_SCHEMA`` below: the part of the chart's JSON Schema (chart 4.x) that covers every key
this file sets, with the same ``additionalProperties: false`` wherever the chart has it, so a misspelled key
(``singleuser.storage.extraVolumeMount``) fails here as it would fail ``helm install``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from .conftest import REPO, missing, require_modules

require_modules("yaml", "jsonschema")
import jsonschema  # noqa: E402
import yaml  # noqa: E402

DEPLOY = REPO / "deploy" / "jupyterhub"
VALUES = DEPLOY / "values.yaml"
MANIFESTS = DEPLOY / "formgrader.yaml"

_str_null = {"type": ["string", "null"]}
_int_null = {"type": ["integer", "null"]}
_bool_null = {"type": ["boolean", "null"]}
_open = {"type": "object", "additionalProperties": True}
_image = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "tag"],
    "properties": {
        "name": {"type": "string"},
        "tag": {"type": "string"},
        "pullPolicy": {"enum": [None, "", "IfNotPresent", "Always", "Never"]},
        "pullSecrets": {"type": "array"},
    },
}
_extra_files = {
    "type": "object",
    "additionalProperties": False,
    "patternProperties": {
        ".*": {
            "type": "object",
            "additionalProperties": False,
            "required": ["mountPath"],
            "oneOf": [{"required": ["data"]}, {"required": ["stringData"]}, {"required": ["binaryData"]}],
            "properties": {
                "mountPath": {"type": "string"},
                "data": _open,
                "stringData": {"type": "string"},
                "binaryData": {"type": "string"},
                "mode": {"type": "number"},
            },
        }
    },
}

#: The chart's schema for the keys this project sets (names, nesting, types and closed objects as in the
#: chart's values.schema.yaml, 4.x). Top level, hub, singleuser, storage, memory, cpu, image, extraFiles,
#: cull and prePuller are closed there too.
CHART_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "hub": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "config": _open,
                "extraConfig": _open,
                "loadRoles": _open,
                "extraFiles": _extra_files,
                "extraEnv": {"type": ["object", "array"]},
                "image": _image,
                "baseUrl": {"type": "string"},
                "concurrentSpawnLimit": _int_null,
                "activeServerLimit": _int_null,
                "services": {
                    "type": "object",
                    "additionalProperties": True,
                    "patternProperties": {
                        ".*": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "admin": {"type": "boolean"},
                                "command": {"type": ["string", "array"]},
                                "url": {"type": "string"},
                                "api_token": _str_null,
                                "apiToken": _str_null,
                            },
                        }
                    },
                },
            },
        },
        "singleuser": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "image": _image,
                "cmd": {"type": ["array", "string", "null"]},
                "defaultUrl": _str_null,
                "startTimeout": _int_null,
                "extraFiles": _extra_files,
                "extraEnv": {"type": ["object", "array"]},
                "uid": _int_null,
                "fsGid": _int_null,
                "profileList": {"type": "array"},
                "memory": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "limit": {"type": ["number", "string", "null"]},
                        "guarantee": {"type": ["number", "string", "null"]},
                    },
                },
                "cpu": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"limit": {"type": ["number", "null"]}, "guarantee": {"type": ["number", "null"]}},
                },
                "storage": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type", "homeMountPath"],
                    "properties": {
                        "type": {"enum": ["dynamic", "static", "none"]},
                        "capacity": _str_null,
                        "homeMountPath": {"type": "string"},
                        "extraVolumes": {"type": "array"},
                        "extraVolumeMounts": {"type": "array"},
                        "extraLabels": {"type": "object"},
                        "dynamic": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "pvcNameTemplate": _str_null,
                                "volumeNameTemplate": _str_null,
                                "storageClass": _str_null,
                                "storageAccessModes": {"type": "array"},
                            },
                        },
                        "static": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"pvcName": _str_null, "subPath": _str_null},
                        },
                    },
                },
            },
        },
        "cull": {
            "type": "object",
            "additionalProperties": False,
            "required": ["enabled"],
            "properties": {
                "enabled": {"type": "boolean"},
                "users": _bool_null,
                "adminUsers": _bool_null,
                "removeNamedServers": _bool_null,
                "timeout": _int_null,
                "every": _int_null,
                "concurrency": _int_null,
                "maxAge": _int_null,
            },
        },
        "prePuller": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "hook": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["enabled"],
                    "properties": {"enabled": {"type": "boolean"}, "pullOnlyOnChanges": {"type": "boolean"}},
                },
                "continuous": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["enabled"],
                    "properties": {"enabled": {"type": "boolean"}},
                },
            },
        },
        "proxy": _open,
        "ingress": _open,
        "scheduling": _open,
        "custom": _open,
        "debug": _open,
        "rbac": _open,
        "global": _open,
        "imagePullSecrets": {"type": "array"},
    },
}

UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def mib(quantity: str | int) -> float:
    """A Kubernetes memory quantity (``1G``, ``512Mi``, bytes) in MiB, the unit the benchmarks print."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i?)?", str(quantity))
    if not m:
        raise ValueError(f"not a Kubernetes memory quantity. Received: {quantity!r}")
    return float(m[1]) * UNITS[m[2] or ""] / 2**20


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict]:
    docs = [d for d in yaml.safe_load_all(MANIFESTS.read_text(encoding="utf-8")) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def _errors(doc: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(CHART_SCHEMA)
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc))


def test_values_use_only_keys_the_chart_accepts(values):
    assert _errors(values) == []


@pytest.mark.parametrize(
    "path, bad_key",
    [
        (("singleuser", "storage"), "extraVolumeMount"),
        (("singleuser",), "defaultURL"),
        (("singleuser", "memory"), "request"),
        (("cull",), "timeOut"),
        ((), "singleUser"),
    ],
)
def test_a_misspelled_key_is_caught(values, path, bad_key):
    doc = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    node = doc
    for key in path:
        node = node[key]
    node[bad_key] = node.get(bad_key, "x")
    assert any(bad_key in e for e in _errors(doc)), f"{'.'.join(path + (bad_key,))} was not rejected"


def test_storage_type_must_be_one_the_chart_knows(values):
    doc = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    doc["singleuser"]["storage"]["type"] = "persistent"
    assert any("storage.type" in e for e in _errors(doc))


def test_memory_is_sized_from_the_notebook_benchmark(values):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench_notebooks
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    kernel = bench_notebooks.TARGET_KERNEL_MB  # the ceiling a TensorFlow kernel is held to (measured ~575)
    server, small_kernel = 150, 100  # an idle Jupyter server; a notebook without TensorFlow
    memory = values["singleuser"]["memory"]
    assert mib(memory["guarantee"]) >= server + kernel, memory  # one TF notebook fits
    assert mib(memory["limit"]) >= server + 2 * kernel + small_kernel, memory  # two TF notebooks + exercises
    assert mib(memory["limit"]) <= 4 * 1024, "a limit far above the need wastes a class's nodes"


def test_sign_in_is_a_real_authenticator_never_a_test_one(values):
    auth = values["hub"]["config"]["JupyterHub"]["authenticator_class"]
    assert auth.split(".")[-1].lower() not in {
        "dummy",
        "null",
        "shared-password",
        "dummyauthenticator",
        "nullauthenticator",
        "sharedpasswordauthenticator",
    }
    assert auth == "ltiauthenticator.lti13.auth.LTI13Authenticator"
    lti = values["hub"]["config"]["LTI13Authenticator"]
    assert {"issuer", "authorize_url", "jwks_endpoint", "client_id", "username_key"} <= set(lti)


def _run_refusal(values: dict) -> None:
    """Run hub.extraConfig.00-refuse-placeholders as the chart's jupyterhub_config.py would."""

    def get_config(key: str, default=None):
        node = values
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    fake = types.ModuleType("z2jh")
    fake.get_config = get_config
    sys.modules["z2jh"] = fake
    try:
        exec(values["hub"]["extraConfig"]["00-refuse-placeholders"], {"c": None})  # noqa: S102
    finally:
        del sys.modules["z2jh"]


def test_hub_refuses_to_start_until_sign_in_is_configured(values):
    with pytest.raises(SystemExit) as stop:
        _run_refusal(values)
    message = str(stop.value)
    assert "Received: hub.config.LTI13Authenticator.issuer" in message
    assert "hub.config.LTI13Authenticator.client_id[0]" in message
    assert "docs/teaching-with-jupyterhub.md" in message


def test_hub_starts_once_every_placeholder_is_replaced(values):
    doc = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    lti = doc["hub"]["config"]["LTI13Authenticator"]
    lti.update(
        issuer="https://lms.example.edu",
        authorize_url="https://lms.example.edu/auth",
        jwks_endpoint="https://lms.example.edu/certs",
        client_id=["abc123"],
    )
    _run_refusal(doc)  # no SystemExit


def test_exchange_is_one_shared_claim_mounted_where_nbgrader_looks(values, manifests):
    storage = values["singleuser"]["storage"]
    assert storage["type"] == "dynamic", "each learner needs their own home volume"
    (volume,) = [v for v in storage["extraVolumes"] if v["name"] == "nbgrader-exchange"]
    (mount,) = [m for m in storage["extraVolumeMounts"] if m["name"] == "nbgrader-exchange"]
    claim = volume["persistentVolumeClaim"]["claimName"]
    pvc = manifests[("PersistentVolumeClaim", claim)]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"], "every learner pod mounts the exchange at once"
    config = values["singleuser"]["extraFiles"]["nbgrader-config"]
    assert config["mountPath"] == "/etc/jupyter/nbgrader_config.py"
    assert f'c.Exchange.root = "{mount["mountPath"]}"' in config["stringData"]
    # on z2jh every pod runs as jovyan, so nbgrader takes the student id from $JUPYTERHUB_USER: never fix it
    assert "student_id" not in config["stringData"]
    grader = manifests[("Deployment", "convkit-formgrader")]["spec"]["template"]["spec"]
    grader_claims = {v["persistentVolumeClaim"]["claimName"] for v in grader["volumes"] if "persistentVolumeClaim" in v}
    assert claim in grader_claims
    grader_config = manifests[("ConfigMap", "convkit-formgrader-config")]["data"]["nbgrader_config.py"]
    assert f'c.Exchange.root = "{mount["mountPath"]}"' in grader_config


def test_learners_do_not_get_the_instructor_tools(values):
    files = values["singleuser"]["extraFiles"]
    server = files["nbgrader-learner-server"]["data"]["ServerApp"]["jpserver_extensions"]
    assert server["nbgrader.server_extensions.formgrader"] is False
    lab = files["nbgrader-learner-lab"]["data"]["disabledExtensions"]
    assert lab["@jupyter/nbgrader:formgrader"] and lab["@jupyter/nbgrader:create-assignment"]


def test_formgrader_is_a_hub_service_for_instructors_only(values, manifests):
    service = values["hub"]["services"]["convkit-formgrader"]
    host, port = re.fullmatch(r"http://([\w-]+):(\d+)", service["url"]).groups()
    k8s_service = manifests[("Service", host)]
    assert k8s_service["spec"]["ports"][0]["port"] == int(port)
    role = values["hub"]["loadRoles"]["convkit-instructors"]
    assert role["scopes"] == ["access:services!service=convkit-formgrader"]
    assert role["groups"] == ["instructors"] and "users" not in role
    env = {
        e["name"]: e
        for e in manifests[("Deployment", "convkit-formgrader")]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == "convkit-formgrader"
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "hub.services.convkit-formgrader.apiToken"


def test_idle_culler_is_on_and_keeps_a_lecture_running(values):
    cull = values["cull"]
    assert cull["enabled"] is True and cull["users"] is False
    assert 600 <= cull["timeout"] <= 4 * 3600 and cull["every"] <= cull["timeout"]


def test_image_is_pinned_and_built_from_binder(values):
    image = values["singleuser"]["image"]
    assert image["tag"] and image["tag"] != "latest"
    script = (DEPLOY / "build_image.sh").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script and "--user-name jovyan" in script and "docker push" in script


def test_build_script_appends_jupyterhub_and_nbgrader_after_binder_postbuild():
    exe = Path(sys.executable).parent / "repo2docker"
    if not exe.exists():
        missing(f"repo2docker not installed next to {sys.executable} (pip install jupyter-repo2docker)")
    env = {"PATH": f"{exe.parent}:/usr/bin:/bin", "DRY_RUN": "1", "HOME": str(Path.home())}
    result = subprocess.run(
        ["bash", str(DEPLOY / "build_image.sh"), "registry.example.edu/convkit", "0.1.0"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    post = out.index("RUN ./binder/postBuild")
    appendix = out.index('RUN python -m pip install --no-cache-dir "jupyterhub==5.*" "nbgrader==0.9.6"')
    assert appendix > post, "jupyterhub and nbgrader must be installed after binder/ is built"
