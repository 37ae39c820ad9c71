#!/usr/bin/env bash
# gate.sh — the Holdpoint GitHub Action's one step (action.yml maps its inputs to HP_*).
# Prints the release id to $GITHUB_OUTPUT as `release`.  Exit status is holdctl's:
# 0 approved, 1 refused/rejected, 2 timeout, 3 configuration.
set -euo pipefail
bin=${RUNNER_TEMP:-/tmp}/holdpoint-bin
if ! command -v holdctl >/dev/null; then        # holdctl from the Holdpoint server itself
  mkdir -p "$bin"
  curl -fsSL "${HOLDPOINT_URL%/}/downloads/holdctl" -o "$bin/holdctl"
  chmod +x "$bin/holdctl"
  export PATH="$bin:$PATH"
fi
id=${HP_RELEASE:-}
if [ -z "$id" ]; then
  args=(trigger "$HP_TEMPLATE" --name "$HP_NAME" --version "$HP_VERSION")
  [ -n "${HP_ARTIFACT:-}" ] && args+=(--artifact "$HP_ARTIFACT")
  while IFS= read -r v; do [ -n "$v" ] && args+=(--var "$v"); done <<< "${HP_VARS:-}"
  id=$(holdctl "${args[@]}")
fi
echo "release=$id" >> "${GITHUB_OUTPUT:-/dev/null}"
echo "Holdpoint release $id"
while IFS='=' read -r act res; do [ -n "$act" ] && holdctl result "$id/$act" "$res"; done <<< "${HP_RESULTS:-}"
while IFS= read -r line; do
  [ -n "$line" ] || continue
  act=${line%% *}; kv=${line#* }
  holdctl input "$id/$act" $kv
done <<< "${HP_INPUTS:-}"
while IFS='=' read -r target path; do
  [ -n "$target" ] || continue
  holdctl upload "$id/${target%%/*}" "${target#*/}" "$path"
done <<< "${HP_EVIDENCE:-}"
if [ -n "${HP_WAIT_FOR:-}" ]; then
  holdctl wait "$id" --activity "$HP_WAIT_FOR" --timeout "${HP_TIMEOUT:-24h}"
fi
