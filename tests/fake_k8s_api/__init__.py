"""A Kubernetes API test server with Calico's projectcalico.org/v3 kinds; see server.py for what it reproduces."""
from .server import MODES, FakeKubernetesAPI, KubernetesAPI, main

__all__ = ["MODES", "FakeKubernetesAPI", "KubernetesAPI", "main"]
