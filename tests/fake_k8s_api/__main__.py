"""`python -m ansible_collections.calicolab.ccol1.tests.fake_k8s_api --mode native ...` (see server.py)."""
import sys

from .server import main

sys.exit(main())
