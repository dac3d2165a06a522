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
# Rolling back never migrates and, by default, never restores: the schema
# stays as it is and the data written since is kept. That works because
# migrations are expand/contract (CONTRIBUTING.md): the older release starts on
# a database whose newer migrations all declare `-- compatible-with-previous:
# true`. When one does not, the rollback refuses before changing anything,
# naming them; DEPLOY_ROLLBACK_RESTORE=1 then restores the backup taken before
# the first deploy after the previous one (data written since is lost) and
# rolls back in the same run. Settings: see scripts/lib/deploy-common.sh.
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
  release_lock
  if [[ -n "$WORKTREE" ]]; then
    git worktree remove --force -- "$WORKTREE" >/dev/null 2>&1 || warn "could not remove the worktree $WORKTREE"
  fi
  cleanup_work_dir
  exit "$status"
}
trap on_exit EXIT

step "reading the current release on $TARGET_LABEL"
check_target_reachable
take_lock rollback
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

step "checking that $PREVIOUS runs on the schema $CURRENT left"
mapfile -t incompatible < <(incompatible_migrations "$CURRENT" "$PREVIOUS")
if ((${#incompatible[@]} > 0)); then
  if [[ "${DEPLOY_ROLLBACK_RESTORE:-0}" != 1 ]]; then
    die "refusing to roll back to $PREVIOUS: $CURRENT applied migration(s) not declared compatible with the release before them: ${incompatible[*]}. Nothing was changed. Deploy a fix instead, or restore the backup taken before them and roll back in one step (data written since that backup is lost): DEPLOY_ROLLBACK_RESTORE=1 scripts/rollback.sh"
  fi
  # The oldest backup taken before a release after PREVIOUS: the schema PREVIOUS ran on.
  BACKUP_OF=""
  while IFS=$'\t' read -r version _; do
    if [[ "$version" > "$PREVIOUS" && ! "$version" > "$CURRENT" ]]; then BACKUP_OF="$version"; fi
  done < <(release_node "$CURRENT" backups list)
  [[ -n "$BACKUP_OF" ]] || die "no database backup taken after $PREVIOUS is left on the target (backups list); nothing was changed"
  step "stopping the service to restore the backup taken before $BACKUP_OF"
  SWITCHED=1 # from here on, a failure goes back to $CURRENT
  stop_service
  release_node "$CURRENT" restore --before "$BACKUP_OF"
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
