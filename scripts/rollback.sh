#!/usr/bin/env bash
# Returns the target to the deploy before the current one:
#   find the previous deploy tag → switch `current` to its kept release (or,
#   when that release was pruned, rebuild it from the tag in a temporary
#   `git worktree` and upload that build) → restart → wait for /api/health to
#   report that version. If it does not come up, goes back to where it was and
#   exits non-zero. Stops at the first error.
#
#   DEPLOY_HOST=deploy@vps DEPLOY_PATH=/srv/mission-control scripts/rollback.sh
#
# The previous deploy is the newest deploy tag older than the current release
# (`git fetch --tags` first when deploys ran elsewhere, e.g. in CI); without
# any deploy tag in this repository, the newest older release on the target.
# Rolling back never migrates: the schema stays as it is, and a release that
# does not know an applied migration refuses to start (restore a backup then;
# see docs/PRODUCTION_SETUP.md). Settings: see scripts/lib/deploy-common.sh.
set -euo pipefail

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/deploy-common.sh
source "$REPO_ROOT/scripts/lib/deploy-common.sh"

load_settings
cd -- "$REPO_ROOT"

WORKTREE=""
SWITCHED=""
CURRENT=""

on_exit() {
  local status=$?
  trap - EXIT
  set +e
  if ((status != 0)) && [[ -n "$SWITCHED" && -n "$CURRENT" ]]; then
    step "going back to $CURRENT"
    switch_current "$CURRENT"
    restart_service
    wait_for_health "$CURRENT" "$ROLLBACK_HEALTH_TIMEOUT"
  fi
  if [[ -n "$WORKTREE" ]]; then
    git worktree remove --force -- "$WORKTREE" >/dev/null 2>&1 || warn "could not remove the worktree $WORKTREE"
  fi
  cleanup_work_dir
  exit "$status"
}
trap on_exit EXIT

step "reading the current release on $TARGET_LABEL"
CURRENT="$(current_release)"
[[ -n "$CURRENT" ]] || die "$DEPLOY_PATH/current does not exist: nothing to roll back"
[[ "$CURRENT" =~ $TAG_PATTERN ]] || die "current points at $CURRENT, which is not a deploy release"

mapfile -t candidates < <(list_tags)
source_of_candidates="deploy tags"
if [[ ${#candidates[@]} -eq 0 ]]; then
  mapfile -t candidates < <(list_releases)
  source_of_candidates="releases on the target"
fi
PREVIOUS=""
for name in "${candidates[@]}"; do
  [[ "$name" =~ $TAG_PATTERN && "$name" < "$CURRENT" ]] && PREVIOUS="$name"
done
[[ -n "$PREVIOUS" ]] || die "no deploy older than $CURRENT among the $source_of_candidates"
step "previous deploy: $PREVIOUS (current: $CURRENT)"

if target_has "$DEPLOY_PATH/releases/$PREVIOUS/build/server/index.js"; then
  step "using the kept release releases/$PREVIOUS"
else
  git rev-parse -q --verify "refs/tags/$PREVIOUS" >/dev/null || die "releases/$PREVIOUS is gone and there is no tag $PREVIOUS to rebuild it from"
  WORKTREE="$WORK_DIR/src"
  step "releases/$PREVIOUS is gone: checking out tag $PREVIOUS into a temporary worktree"
  git worktree add -q --detach -- "$WORKTREE" "refs/tags/$PREVIOUS"
  if [[ -e "$WORKTREE/node_modules" ]]; then
    step "using the node_modules the tag carries"
  elif [[ -d node_modules ]] && cmp -s -- package-lock.json "$WORKTREE/package-lock.json"; then
    step "reusing this checkout's node_modules (same package-lock.json)"
    ln -s -- "$REPO_ROOT/node_modules" "$WORKTREE/node_modules"
  else
    step "installing dependencies for $PREVIOUS (npm ci)"
    (cd -- "$WORKTREE" && quietly npm ci --no-audit --no-fund)
  fi
  step "building $PREVIOUS"
  (cd -- "$WORKTREE" && MC_BUILD_VERSION="$PREVIOUS" quietly npm run build --silent)
  step "uploading the rebuilt release to $TARGET_LABEL/releases/$PREVIOUS"
  upload_release "$WORKTREE" "$PREVIOUS"
fi

step "switching current to releases/$PREVIOUS"
SWITCHED=1
switch_current "$PREVIOUS"

step "restarting the service"
restart_service

step "waiting up to ${HEALTH_TIMEOUT}s for $HEALTH_URL to report $PREVIOUS"
wait_for_health "$PREVIOUS" || die "$PREVIOUS did not come up healthy"
SWITCHED=""

step "rolled back $TARGET_LABEL to $PREVIOUS"
