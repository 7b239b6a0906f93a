"""Offline stand-in for the get-pip script ansible-test downloads to bootstrap pip in its venvs.

It installs pip from the interpreter's bundled ensurepip wheel, then lets pip upgrade itself with
the requested arguments from the package index (which CI can reach).
"""
import ensurepip
import os
import subprocess
import sys

# ensurepip sets PIP_CONFIG_FILE=/dev/null in os.environ; keep the original so pip keeps the machine's config.
saved_environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
pip_arguments = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade"] + pip_arguments, env=saved_environment))
