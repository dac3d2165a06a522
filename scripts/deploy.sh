#!/usr/bin/env bash
# Deploys this checkout (HEAD) as release deploy-YYYY-MM-DD-HHMMSS:
#   reach the target and take its deploy lock → build (MC_BUILD_VERSION = the
#   tag, so /api/health reports it) → check the free space → rsync build/,
#   supabase/migrations/ and sql/, deploy/ and package.json to DEPLOY_PATH/releases/<tag>/ →
#   migrate with the target's environment file (the release backs the
#   database up first when it has migrations to apply, into
#   DATA_DIR/backups/<tag>/) → switch `current` atomically → restart → wait
#   for /api/health to report the new version → git tag → prune to the last
#   DEPLOY_KEEP (3) releases, tags and backups.
# A failed migration or health check restores the backup taken before this
# release's migrations (when it took one), switches back to the previous
# release, restarts it, checks its health, and exits non-zero. Stops at the
# first error; `current` only ever points at a fully copied release.
#
#   DEPLOY_HOST=deploy@vps DEPLOY_PATH=/srv/mission-control scripts/deploy.sh
#
# Settings: see scripts/lib/deploy-common.sh. Also:
#   DEPLOY_SKIP_BUILD=1  deploy the existing build/ instead of building. Build it with
#                        MC_BUILD_VERSION=MC_DEPLOY_VERSION_PLACEHOLDER npm run build
#                        and the placeholder is replaced by the tag in the release
#                        (one build for many deploys: CI artefacts, the tests).
#   DEPLOY_ALLOW_DIRTY=1 deploy although tracked files differ from HEAD.
# The environment file (DEPLOY_ENV_FILE) is never written; data lives in
# DEPLOY_PATH/shared/data.
set -euo pipefail

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/deploy-common.sh
source "$REPO_ROOT/scripts/lib/deploy-common.sh"

load_settings
cd -- "$REPO_ROOT"

# What the EXIT trap must undo if a step fails: "stopped" (service stopped,
# `current` unchanged) or "switched" (`current` points at the new release).
UNDO=""
PREVIOUS=""
TAG=""
UPLOADED=""
BACKUP_TAKEN=""

# Puts the database back as it was before this release's migrations (the
# service must be stopped: the embedded database admits one process, and a
# PostgreSQL restore must not race the old release's writes).
restore_database() {
  [[ -n "$BACKUP_TAKEN" ]] || return 0
  step "stopping the service to restore the database"
  stop_service
  step "restoring the database from the backup taken before $TAG's migrations"
  if ! release_node "$TAG" restore --before "$TAG"; then
    warn "the restore failed; the database keeps $TAG's migrations (restore by hand: see docs/PRODUCTION_SETUP.md, Backups)"
    return 1
  fi
  BACKUP_TAKEN=""
}

# Switches back to the previous release, restarts it and checks its health.
revert() {
  if [[ -z "$PREVIOUS" ]]; then
    warn "there is no previous release to go back to"
    return 1
  fi
  restore_database || true # the previous release's own check decides whether it can start
  step "rolling back to $PREVIOUS"
  switch_current "$PREVIOUS"
  step "restarting the service"
  restart_service
  step "waiting up to ${ROLLBACK_HEALTH_TIMEOUT}s for $HEALTH_URL to report $PREVIOUS"
  wait_for_health "$PREVIOUS" "$ROLLBACK_HEALTH_TIMEOUT"
}

on_exit() {
  local status=$?
  trap - EXIT
  set +e
  if ((status != 0)); then
    case "$UNDO" in
      stopped | migrating)
        if [[ -n "$PREVIOUS" ]]; then
          restore_database
          step "starting the previous release again"
          restart_service
        fi
        ;;
      switched) revert ;;
    esac
    # A release that never became healthy is not kept (rollback must not pick it).
    if [[ -n "$UPLOADED" && "$(current_release)" != "$TAG" ]]; then
      # Its backup goes with it once restored (a backup that could not be restored stays).
      if [[ -z "$BACKUP_TAKEN" ]]; then release_node "$TAG" backups drop "$TAG" >/dev/null 2>&1; fi
      step "removing the failed release $TAG"
      on_target rm -rf -- "$DEPLOY_PATH/releases/$TAG"
    fi
  fi
  release_lock
  cleanup_work_dir
  exit "$status"
}
trap on_exit EXIT

step "checking the target $TARGET_LABEL"
if [[ "${DEPLOY_ALLOW_DIRTY:-0}" != 1 ]] && ! git diff --quiet HEAD --; then
  die "tracked files differ from HEAD; commit first (or DEPLOY_ALLOW_DIRTY=1)"
fi
check_target_reachable
on_target test -f "$ENV_FILE" || die "$ENV_FILE is missing on the target: create it from deploy/env.example (deploy never writes it)"
take_lock deploy
on_target mkdir -p -- "$DEPLOY_PATH/releases" "$DEPLOY_PATH/shared/data"
PREVIOUS="$(current_release)"

# A fresh, unused name (two deploys in one second wait for the next).
while :; do
  TAG="deploy-$(date -u +%Y-%m-%d-%H%M%S)"
  if ! git rev-parse -q --verify "refs/tags/$TAG" >/dev/null && ! target_has "$DEPLOY_PATH/releases/$TAG"; then break; fi
  sleep 1
done
COMMIT="$(git rev-parse --short HEAD)"

if [[ "${DEPLOY_SKIP_BUILD:-0}" == 1 ]]; then
  step "using the prebuilt build/ (DEPLOY_SKIP_BUILD=1) for $TAG at $COMMIT"
  grep -qF -- "$DEPLOY_VERSION_PLACEHOLDER" build/server/index.js 2>/dev/null ||
    die "build/ was not built with MC_BUILD_VERSION=$DEPLOY_VERSION_PLACEHOLDER, so it cannot report $TAG"
else
  step "building $TAG at $COMMIT"
  MC_BUILD_VERSION="$TAG" quietly npm run build --silent
fi

step "uploading the release to $TARGET_LABEL/releases/$TAG"
UPLOADED=1
upload_release "$REPO_ROOT" "$TAG"

if uses_postgres; then
  step "migrating the database (PostgreSQL: the running release keeps serving)"
else
  # The embedded database admits one process at a time.
  if [[ -n "$PREVIOUS" && ${#STOP_CMD[@]} -gt 0 ]]; then
    step "stopping the service (embedded database: one process at a time)"
    UNDO="stopped"
    stop_service
  fi
  step "migrating the embedded database"
fi
[[ -n "$UNDO" ]] || UNDO="migrating"
migrate_status=0
migrate_output="$(release_node "$TAG" migrate 2>&1)" || migrate_status=$?
printf '%s\n' "$migrate_output"
if [[ "$migrate_output" == *'"event":"db.backup"'* ]]; then BACKUP_TAKEN=1; fi
((migrate_status == 0)) || die "migrating with $TAG failed (exit $migrate_status); see its output above"

step "switching current to releases/$TAG"
UNDO="switched"
switch_current "$TAG"

step "restarting the service"
restart_service

step "waiting up to ${HEALTH_TIMEOUT}s for $HEALTH_URL to report $TAG"
if ! wait_for_health "$TAG"; then
  UNDO=""
  if revert; then
    die "deploy of $TAG failed its health check; rolled back to $PREVIOUS"
  fi
  die "deploy of $TAG failed its health check, and the rollback to ${PREVIOUS:-(none)} did not come up healthy either"
fi
UNDO=""
UPLOADED=""

step "tagging $TAG"
git_identity=()
if [[ -z "$(git config user.email || true)" ]]; then
  git_identity=(-c "user.name=Mission Control deploy" -c "user.email=deploy@localhost")
fi
git "${git_identity[@]}" tag -a "$TAG" -m "Deploy $TAG ($COMMIT) to $TARGET_LABEL" HEAD
if [[ "${DEPLOY_PUSH_TAGS:-0}" == 1 ]]; then
  step "pushing $TAG to $GIT_REMOTE"
  git push -q "$GIT_REMOTE" "refs/tags/$TAG"
fi

step "pruning to the last $KEEP releases and deploy tags"
mapfile -t releases < <(list_releases)
for ((i = 0; i < ${#releases[@]} - KEEP; i++)); do
  [[ "${releases[i]}" != "$TAG" ]] || continue
  printf '    removing release %s\n' "${releases[i]}"
  on_target rm -rf -- "$DEPLOY_PATH/releases/${releases[i]}"
done
mapfile -t tags < <(list_tags)
for ((i = 0; i < ${#tags[@]} - KEEP; i++)); do
  [[ "${tags[i]}" != "$TAG" ]] || continue
  printf '    removing tag %s\n' "${tags[i]}"
  git tag -d "${tags[i]}" >/dev/null
  if [[ "${DEPLOY_PUSH_TAGS:-0}" == 1 ]]; then
    git push -q "$GIT_REMOTE" ":refs/tags/${tags[i]}" || warn "could not delete ${tags[i]} on $GIT_REMOTE"
  fi
done
# Backups go with the releases they were taken before (only files are
# removed: the service keeps the embedded database meanwhile).
mapfile -t releases < <(list_releases)
mapfile -t pruned < <(release_node "$TAG" backups list | cut -f1 | LC_ALL=C sort -u | while IFS= read -r version; do
  [[ "$version" =~ $TAG_PATTERN && " ${releases[*]} " != *" $version "* ]] && printf '%s\n' "$version"
done)
if ((${#pruned[@]} > 0)); then
  printf '    removing the database backups taken before %s\n' "${pruned[*]}"
  release_node "$TAG" backups drop "${pruned[@]}" >/dev/null || warn "could not remove the old database backups"
fi

step "deployed $TAG to $TARGET_LABEL"
