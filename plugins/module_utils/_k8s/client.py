# -*- coding: utf-8 -*-
# Copyright: calicolab developers
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Kubernetes connection for the Calico modules: auth options, the dynamic client, and finding the v3 API.

The Calico modules only ever speak ``projectcalico.org/v3``. That group is served either by the Calico API
server (an aggregated API registered as APIService ``v3.projectcalico.org``, which stores through the
``crd.projectcalico.org/v1`` CRDs) or, from Calico v3.32, by native v3 CRDs (group ``projectcalico.org`` with
no ``crd.projectcalico.org`` group beside it). Writing the v1 CRDs directly skips Calico's validation and
defaulting, so when only those are present we stop with one error that says how to enable the v3 API.

Discovery is cached in a file (the dynamic client's own cache), so an unchanged apply costs one GET. The
cluster's Calico release is read once from ClusterInformation ``default`` (``spec.calicoVersion``, written by
Calico's own components) and cached in a file beside the discovery cache for a few minutes, so rules that differ
by release follow the cluster without a read on every task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import hashlib
import json
import os
import re
import tempfile
import time
import traceback

from ansible_collections.calicolab.ccol1.plugins.module_utils._calico.api import API_GROUP, API_VERSION

try:
    from ansible.module_utils.basic import env_fallback
except ImportError:  # plain-Python callers (unit tests without ansible) still get the arg spec
    env_fallback = None

K8S_IMPORT_ERROR = None
try:
    import kubernetes
    from kubernetes import client as k8s_client_mod
    from kubernetes import config as k8s_config
    HAS_K8S = True
except ImportError:
    HAS_K8S = False
    K8S_IMPORT_ERROR = traceback.format_exc()

DynamicClient = None
DYNAMIC_IMPORT_ERROR = None
if HAS_K8S:
    try:
        from kubernetes.dynamic import DynamicClient
        from kubernetes.dynamic import exceptions as dyn_exceptions
    except ImportError:
        # Old kubernetes releases lack the dynamic client; the openshift package carries a copy of it.
        try:
            from openshift.dynamic import DynamicClient
            from openshift.dynamic import exceptions as dyn_exceptions
        except ImportError:
            HAS_K8S = False
            K8S_IMPORT_ERROR = traceback.format_exc()

CALICO_GROUP = API_GROUP
CALICO_VERSION = API_VERSION.split("/")[1]
CALICO_API_VERSION = API_VERSION
LEGACY_CRD_GROUP = "crd.projectcalico.org"
# Native projectcalico.org/v3 CRDs exist from Calico v3.32 (tech preview).
NATIVE_V3_SINCE = (3, 32)
CALICO_VERSION_CACHE_SECONDS = 600
_CALICO_RELEASE_RE = re.compile(r"^v?(\d+)\.(\d+)(?:[.\-+].*)?$")

ENABLE_V3_HINT = (
    "Enable the projectcalico.org/v3 API: with the Tigera operator, create the operator.tigera.io/v1 "
    "APIServer resource named 'default' (kubectl create -f - <<< '{\"apiVersion\": \"operator.tigera.io/v1\", "
    "\"kind\": \"APIServer\", \"metadata\": {\"name\": \"default\"}, \"spec\": {}}') and wait until "
    "'kubectl api-versions' lists projectcalico.org/v3; or install Calico v3.32+ with its native "
    "projectcalico.org/v3 CRDs. These modules never write crd.projectcalico.org/v1 objects directly."
)


def _fallback(*names):
    if env_fallback is None:
        return {}
    return {"fallback": (env_fallback, list(names))}


def _opt(**spec):
    return spec


K8S_AUTH_ARG_SPEC = {
    "kubeconfig": _opt(type="raw", **_fallback("K8S_AUTH_KUBECONFIG")),
    "context": _opt(type="str", **_fallback("K8S_AUTH_CONTEXT")),
    "host": _opt(type="str", **_fallback("K8S_AUTH_HOST")),
    "api_key": _opt(type="str", no_log=True, **_fallback("K8S_AUTH_API_KEY")),
    "username": _opt(type="str", **_fallback("K8S_AUTH_USERNAME")),
    "password": _opt(type="str", no_log=True, **_fallback("K8S_AUTH_PASSWORD")),
    "validate_certs": _opt(type="bool", aliases=["verify_ssl"], **_fallback("K8S_AUTH_VERIFY_SSL")),
    "ca_cert": _opt(type="path", aliases=["ssl_ca_cert"], **_fallback("K8S_AUTH_SSL_CA_CERT")),
    "client_cert": _opt(type="path", aliases=["cert_file"], **_fallback("K8S_AUTH_CERT_FILE")),
    "client_key": _opt(type="path", aliases=["key_file"], no_log=False, **_fallback("K8S_AUTH_KEY_FILE")),
    "proxy": _opt(type="str", **_fallback("K8S_AUTH_PROXY")),
    "no_proxy": _opt(type="str", **_fallback("K8S_AUTH_NO_PROXY")),
    "proxy_headers": _opt(
        type="dict",
        options={
            "proxy_basic_auth": _opt(type="str", no_log=True),
            "basic_auth": _opt(type="str", no_log=True),
            "user_agent": _opt(type="str"),
        },
    ),
}

AUTH_OPTION_NAMES = tuple(K8S_AUTH_ARG_SPEC)


class CalicoApiError(Exception):
    """An API call failed; ``status`` is the HTTP status (None when the server could not be reached)."""

    def __init__(self, message, status=None, body=None):
        super(CalicoApiError, self).__init__(message)
        self.status = status
        self.body = body


class CalicoApiUnavailable(Exception):
    """The cluster serves no projectcalico.org/v3 API."""


def auth_params(params):
    return dict((name, params.get(name)) for name in AUTH_OPTION_NAMES)


def _load_kubeconfig(configuration, kubeconfig, context):
    if isinstance(kubeconfig, dict):
        k8s_config.load_kube_config_from_dict(config_dict=kubeconfig, context=context,
                                              client_configuration=configuration, persist_config=False)
    else:
        k8s_config.load_kube_config(config_file=kubeconfig, context=context,
                                    client_configuration=configuration, persist_config=False)


def _wants_kubeconfig(auth):
    if auth.get("kubeconfig") or auth.get("context"):
        return True
    # Like kubectl: with no explicit endpoint, fall back to $KUBECONFIG or ~/.kube/config.
    return not auth.get("host")


def build_configuration(auth):
    """Return a kubernetes Configuration from the auth options (kubeconfig first, explicit options win)."""
    configuration = k8s_client_mod.Configuration()
    if _wants_kubeconfig(auth):
        kubeconfig = auth.get("kubeconfig")
        if isinstance(kubeconfig, str):
            kubeconfig = os.path.expanduser(kubeconfig)
        try:
            _load_kubeconfig(configuration, kubeconfig, auth.get("context"))
        except Exception as exc:  # the loader raises several unrelated types
            if auth.get("kubeconfig") or auth.get("context") or not _in_cluster(configuration):
                raise CalicoApiError("Could not load the kubeconfig: %s" % exc)
    if auth.get("host"):
        configuration.host = auth["host"]
    if auth.get("api_key"):
        configuration.api_key = {"authorization": "Bearer %s" % auth["api_key"]}
    if auth.get("username"):
        configuration.username = auth["username"]
    if auth.get("password"):
        configuration.password = auth["password"]
    if auth.get("username") and auth.get("password"):
        basic = "%s:%s" % (auth["username"], auth["password"])
        import base64
        configuration.api_key = {"authorization": "Basic %s" % base64.b64encode(basic.encode()).decode()}
    if auth.get("validate_certs") is not None:
        configuration.verify_ssl = auth["validate_certs"]
    if auth.get("ca_cert"):
        configuration.ssl_ca_cert = auth["ca_cert"]
    if auth.get("client_cert"):
        configuration.cert_file = auth["client_cert"]
    if auth.get("client_key"):
        configuration.key_file = auth["client_key"]
    if auth.get("proxy"):
        configuration.proxy = auth["proxy"]
    if auth.get("no_proxy"):
        configuration.no_proxy = auth["no_proxy"]
    if auth.get("proxy_headers"):
        configuration.proxy_headers = _proxy_headers(auth["proxy_headers"])
    return configuration


def _in_cluster(configuration):
    try:
        k8s_config.load_incluster_config(client_configuration=configuration)
        return True
    except Exception:
        return False


def _proxy_headers(options):
    import urllib3
    given = dict((key, value) for key, value in options.items() if value)
    return urllib3.util.make_headers(**given)


def discovery_cache_file(configuration):
    """One discovery cache per API endpoint and identity, in the temp dir (like kubectl's ~/.kube/cache)."""
    identity = "|".join(str(part) for part in (
        configuration.host, configuration.username, configuration.cert_file,
        sorted((configuration.api_key or {}).items()), getattr(kubernetes, "__version__", "")))
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:20]
    return os.path.join(tempfile.gettempdir(), "ccol1-discovery-%s.json" % digest)


def _readable_exception(exc):
    status = getattr(exc, "status", None)
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    parsed = None
    if isinstance(body, str):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    if status is None and not parsed:
        return CalicoApiError("Could not reach the Kubernetes API: %s" % exc)
    return CalicoApiError(format_status_error(status, parsed if isinstance(parsed, dict) else body),
                          status=status, body=parsed if isinstance(parsed, dict) else body)


def format_status_error(status, body):
    """Turn a Kubernetes Status body into one readable line: message, then each cause as field, value, reason."""
    if not isinstance(body, dict):
        text = (body or "").strip() if isinstance(body, str) else ""
        return "HTTP %s%s" % (status, (": " + text) if text else "")
    message = body.get("message") or body.get("reason") or "HTTP %s" % status
    parts = [message]
    causes = (body.get("details") or {}).get("causes") or []
    for cause in causes:
        field = cause.get("field") or "(object)"
        detail = cause.get("message") or ""
        reason = cause.get("reason") or ""
        parts.append("field %s: %s%s" % (field, detail, (" (%s)" % reason) if reason else ""))
    prefix = "HTTP %s %s: " % (status, body.get("reason") or "") if status else ""
    return prefix.replace(" :", ":") + "; ".join(parts)


def parse_calico_release(text):
    """"v3.21.6" (also "3.32.0-0.dev") -> (3, 21); anything else -> None."""
    match = _CALICO_RELEASE_RE.match(text.strip()) if isinstance(text, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def _read_version_cache(path):
    try:
        with open(path) as stream:
            cached = json.load(stream)
        if time.time() - float(cached["time"]) < CALICO_VERSION_CACHE_SECONDS:
            version = cached.get("version")
            return True, tuple(version) if version else None
    except (IOError, OSError, ValueError, KeyError, TypeError):
        pass
    return False, None


def _write_version_cache(path, version):
    temporary = "%s.%d.tmp" % (path, os.getpid())
    try:
        with open(temporary, "w") as stream:
            json.dump({"time": time.time(), "version": list(version) if version else None}, stream)
        os.replace(temporary, path)
    except (IOError, OSError):
        pass  # a cache we cannot write only costs a read next time


class CalicoClient:
    """projectcalico.org/v3 over the dynamic client: get, create, merge-patch, replace, delete as dicts."""

    def __init__(self, dynamic_client, api_kind, version_cache_file=None):
        self.dynamic = dynamic_client
        self.api_kind = api_kind  # "aggregated" or "native"
        self.version_cache_file = version_cache_file
        self._resources = {}
        self._calico_version = None
        self._calico_version_known = False

    def calico_version(self):
        """The cluster's Calico release as (major, minor), or None (unknown: the newest rules apply).

        Native v3 CRDs imply at least v3.32. Read from ClusterInformation ``default`` and cached.
        """
        if not self._calico_version_known:
            found, version = _read_version_cache(self.version_cache_file) if self.version_cache_file else (False, None)
            if not found:
                version = self._read_calico_version()
                if self.version_cache_file:
                    _write_version_cache(self.version_cache_file, version)
            self._calico_version, self._calico_version_known = version, True
        return self._calico_version

    def _read_calico_version(self):
        try:
            info = self.get("ClusterInformation", "default")
        except CalicoApiError:
            info = None  # not served, or not readable with these credentials: the newest rules apply
        version = parse_calico_release(((info or {}).get("spec") or {}).get("calicoVersion"))
        if self.api_kind == "native" and (version is None or version < NATIVE_V3_SINCE):
            return NATIVE_V3_SINCE
        return version

    def resource(self, kind):
        if kind not in self._resources:
            try:
                self._resources[kind] = self.dynamic.resources.get(api_version=CALICO_API_VERSION, kind=kind)
            except dyn_exceptions.ResourceNotFoundError:
                raise CalicoApiError("The projectcalico.org/v3 API on this cluster does not serve kind %s%s"
                                     % (kind, self._kind_hint(kind)), status=404)
        return self._resources[kind]

    def served_kinds(self):
        try:
            found = self.dynamic.resources.search(prefix="apis", group=CALICO_GROUP, api_version=CALICO_VERSION)
        except Exception:  # only used to word an error
            return []
        return sorted(set(r.kind for r in found if not r.kind.endswith("List")))

    def _kind_hint(self, kind):
        kinds = self.served_kinds()
        if not kinds:
            return ""
        close = difflib.get_close_matches(kind, kinds, n=1)
        hint = " (did you mean %s?)" % close[0] if close else ""
        return "%s; it serves: %s" % (hint, ", ".join(kinds))

    def serves_kind(self, kind):
        try:
            self.resource(kind)
            return True
        except CalicoApiError:
            return False

    def _call(self, method, kind, **kwargs):
        resource = self.resource(kind)
        try:
            result = getattr(self.dynamic, method)(resource, **kwargs)
        except dyn_exceptions.DynamicApiError as exc:
            raise _readable_exception(exc)
        except Exception as exc:  # connection errors, TLS errors
            if hasattr(exc, "status"):
                raise _readable_exception(exc)
            raise CalicoApiError("Could not reach the Kubernetes API: %s" % exc)
        return result.to_dict() if hasattr(result, "to_dict") else result

    def get(self, kind, name, namespace=None):
        """Return the live object, or None when it does not exist."""
        for attempt in (1, 2):
            try:
                return self._call("get", kind, name=name, namespace=namespace)
            except CalicoApiError as exc:
                if exc.status != 404:
                    raise
                if is_object_not_found(exc.body):
                    return None
                if attempt == 2:
                    raise
                # A bare 404 means the API path itself is gone: the cached discovery is stale.
                refresh_discovery(self)
        return None

    def create(self, kind, body):
        return self._call("create", kind, body=body, namespace=body["metadata"].get("namespace"))

    def patch(self, kind, name, namespace, patch):
        return self._call("patch", kind, body=patch, name=name, namespace=namespace,
                          content_type="application/merge-patch+json")

    def replace(self, kind, body):
        return self._call("replace", kind, body=body, name=body["metadata"]["name"],
                          namespace=body["metadata"].get("namespace"))

    def delete(self, kind, name, namespace=None):
        return self._call("delete", kind, name=name, namespace=namespace)


def is_object_not_found(body):
    """A missing object answers NotFound naming it; a missing API path answers NotFound without a name."""
    return (isinstance(body, dict) and body.get("reason") == "NotFound"
            and bool((body.get("details") or {}).get("name")))


def _served_groups(dynamic):
    groups = dynamic.resources.parse_api_groups(request_resources=False).get("apis", {})
    return dict((name, set(versions)) for name, versions in groups.items())


def detect_api_kind(groups):
    """'aggregated' or 'native' where projectcalico.org/v3 is served, else None.

    The aggregated API server keeps its data in the crd.projectcalico.org CRDs, so both groups are served;
    native v3 CRDs are only used by Calico when crd.projectcalico.org is absent.
    """
    if CALICO_VERSION not in groups.get(CALICO_GROUP, set()):
        return None
    return "aggregated" if LEGACY_CRD_GROUP in groups else "native"


def unavailable_message(groups):
    if LEGACY_CRD_GROUP in groups:
        found = "Only the crd.projectcalico.org/v1 CRDs are served (Calico's internal storage), not projectcalico.org/v3."
    else:
        found = "No Calico API group is served by this cluster."
    return "%s %s" % (found, ENABLE_V3_HINT)


def connect(auth, cache_file=None):
    """Build the dynamic client and find the Calico v3 API; raises CalicoApiError or CalicoApiUnavailable."""
    if not HAS_K8S:
        raise CalicoApiError("The kubernetes Python library is required: %s" % K8S_IMPORT_ERROR)
    configuration = build_configuration(auth)
    api_client = k8s_client_mod.ApiClient(configuration)
    cache_file = cache_file or discovery_cache_file(configuration)
    try:
        dynamic = DynamicClient(api_client, cache_file=cache_file)
        groups = _served_groups(dynamic)
        api_kind = detect_api_kind(groups)
        if api_kind is None:
            # The cache may predate enabling the API server: look again before giving up.
            dynamic.resources.invalidate_cache()
            groups = _served_groups(dynamic)
            api_kind = detect_api_kind(groups)
    except (CalicoApiError, CalicoApiUnavailable):
        raise
    except Exception as exc:
        if hasattr(exc, "status"):
            raise _readable_exception(exc)
        raise CalicoApiError("Could not reach the Kubernetes API at %s: %s" % (configuration.host, exc))
    if api_kind is None:
        raise CalicoApiUnavailable(unavailable_message(groups))
    return CalicoClient(dynamic, api_kind, version_cache_file(cache_file))


def version_cache_file(discovery_cache):
    """The Calico release cache lives beside the discovery cache, for the same endpoint and identity."""
    return "%s.calico-version" % discovery_cache


def refresh_discovery(client):
    """Drop cached discovery (after a bare 404) and say whether projectcalico.org/v3 is still served."""
    client.dynamic.resources.invalidate_cache()
    client._resources = {}
    client._calico_version_known = False
    if client.version_cache_file:
        try:
            os.remove(client.version_cache_file)
        except OSError:
            pass
    groups = _served_groups(client.dynamic)
    if detect_api_kind(groups) is None:
        raise CalicoApiUnavailable(unavailable_message(groups))
