"""JSON schemas for the custom resources deploy/ uses, which the Kubernetes schemas do not know:
OpenShift's Route and the Prometheus Operator's ServiceMonitor and PrometheusRule. Only the fields
PartnerHub sets, written from their CRDs (route.openshift.io/v1, monitoring.coreos.com/v1), strict
where a typo would go unnoticed (an unknown field is refused)."""

_metadata = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}
_secret_key = {
    "type": "object",
    "required": ["name", "key"],
    "additionalProperties": False,
    "properties": {"name": {"type": "string"}, "key": {"type": "string"}, "optional": {"type": "boolean"}},
}
_duration = {
    "type": "string",
    "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
}


def _resource(api_version: str, kind: str, spec: dict) -> dict:
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": _metadata,
            "spec": spec,
        },
    }


ROUTE = _resource(
    "route.openshift.io/v1",
    "Route",
    {
        "type": "object",
        "required": ["to"],
        "additionalProperties": False,
        "properties": {
            "host": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"},
            "path": {"type": "string"},
            "to": {
                "type": "object",
                "required": ["kind", "name"],
                "additionalProperties": False,
                "properties": {"kind": {"enum": ["Service", ""]}, "name": {"type": "string"}, "weight": {"type": "integer"}},
            },
            "port": {
                "type": "object",
                "required": ["targetPort"],
                "additionalProperties": False,
                "properties": {"targetPort": {}},
            },
            "tls": {
                "type": "object",
                "required": ["termination"],
                "additionalProperties": False,
                "properties": {
                    "termination": {"enum": ["edge", "reencrypt", "passthrough"]},
                    "insecureEdgeTerminationPolicy": {"enum": ["Allow", "None", "Redirect", ""]},
                    "certificate": {"type": "string"},
                    "key": {"type": "string"},
                    "caCertificate": {"type": "string"},
                },
            },
            "wildcardPolicy": {"enum": ["None", "Subdomain"]},
        },
    },
)

SERVICE_MONITOR = _resource(
    "monitoring.coreos.com/v1",
    "ServiceMonitor",
    {
        "type": "object",
        "required": ["selector", "endpoints"],
        "additionalProperties": False,
        "properties": {
            "selector": {"type": "object", "properties": {"matchLabels": {"type": "object"}}},
            "endpoints": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "port": {"type": "string"},
                        "path": {"type": "string"},
                        "scheme": {"enum": ["http", "https"]},
                        "interval": _duration,
                        "scrapeTimeout": _duration,
                        "authorization": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"type": {"type": "string"}, "credentials": _secret_key},
                        },
                    },
                },
            },
        },
    },
)

PROMETHEUS_RULE = _resource(
    "monitoring.coreos.com/v1",
    "PrometheusRule",
    {
        "type": "object",
        "required": ["groups"],
        "additionalProperties": False,
        "properties": {
            "groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "rules"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string"},
                        "interval": _duration,
                        "rules": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["expr"],
                                "additionalProperties": False,
                                "properties": {
                                    "alert": {"type": "string"},
                                    "record": {"type": "string"},
                                    "expr": {"type": "string", "minLength": 1},
                                    "for": _duration,
                                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                                    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                                },
                                "oneOf": [{"required": ["alert"]}, {"required": ["record"]}],
                            },
                        },
                    },
                },
            }
        },
    },
)

CUSTOM = {
    ("route.openshift.io/v1", "Route"): ROUTE,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR,
    ("monitoring.coreos.com/v1", "PrometheusRule"): PROMETHEUS_RULE,
}
