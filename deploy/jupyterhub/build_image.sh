#!/bin/bash
# Build the single-user image of deploy/jupyterhub/values.yaml from this repository's binder/ folder, push it.
#
#   deploy/jupyterhub/build_image.sh registry.example.edu/convkit 0.1.0
#
# repo2docker reads binder/ (Python 3.11, the pinned requirements, postBuild installing convkit); the appendix
# adds what a hub needs and Binder does not: jupyterhub-singleuser (the major version of the chart's hub:
# chart 4.x runs JupyterHub 5) and nbgrader (the Assignments panel, fetch and submit).
# Needs Docker and `pip install jupyter-repo2docker`. DRY_RUN=1 prints the Dockerfile instead of building.
set -euo pipefail
image="${1:?usage: build_image.sh <registry>/<name> <tag>}"
tag="${2:?usage: build_image.sh <registry>/<name> <tag>}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
appendix='RUN python -m pip install --no-cache-dir "jupyterhub==5.*" "nbgrader==0.9.6"'

if [[ "${DRY_RUN:-0}" == "1" ]]; then
  exec repo2docker --no-build --no-run --debug --user-name jovyan --appendix "$appendix" \
    --image-name "$image:$tag" "$repo"
fi
repo2docker --no-run --user-name jovyan --appendix "$appendix" --image-name "$image:$tag" "$repo"
docker push "$image:$tag"
