# shellcheck shell=bash
# Shared by scripts/deploy.sh and scripts/rollback.sh (sourced, never run).
#
# The target is either a host reached over SSH (DEPLOY_HOST=user@host) or,
# when DEPLOY_HOST is empty, a directory on this machine (how the tests run it).
# Every command on the target goes through `on_target ARG…`: locally it runs
# the arguments as they are; over SSH each argument is quoted with printf %q,
# so nothing is ever interpolated unquoted into the remote shell.
#
# Settings (environment variables):
#   DEPLOY_HOST             ssh destination (user@host); empty = local directory
#   DEPLOY_PATH             absolute path on the target (required): releases/, shared/, current
#   DEPLOY_ENV_FILE         environment file on the target (default DEPLOY_PATH/shared/mission-control.env); never written
#   DEPLOY_HEALTH_URL       health endpoint, fetched on the target (default http://127.0.0.1:4000/api/health)
#   DEPLOY_HEALTH_TIMEOUT   seconds to wait for the new version (default 60)
#   DEPLOY_ROLLBACK_HEALTH_TIMEOUT  seconds to wait for the previous release after a rollback
#                           (default: the larger of DEPLOY_HEALTH_TIMEOUT and 60; a release that
#                           served before is given time, a slow start must not leave it down)
#   DEPLOY_RESTART_CMD      command that restarts the service (host default: sudo -n systemctl restart mission-control)
#   DEPLOY_STOP_CMD         command that stops it, used before migrating the embedded database
#                           (host default: sudo -n systemctl stop mission-control; local default: none)
#   DEPLOY_NODE             Node 24 on the target (host default /usr/bin/node; local: the node on PATH)
#   DEPLOY_RUN_AS           user that runs migrations (host default mission-control; local: yourself)
#   DEPLOY_KEEP             releases and deploy tags to keep (default 3)
#   DEPLOY_PUSH_TAGS        1 = push new deploy tags (and deletions) to DEPLOY_GIT_REMOTE (default origin)
#   DEPLOY_SSH_PORT         ssh port (default 22)
#   DEPLOY_SSH_KEY_FILE     private key for ssh/rsync (optional)
#   DEPLOY_KNOWN_HOSTS_FILE known_hosts to check the host key against (optional; checking is always strict)
#   DEPLOY_MIN_FREE_MB      free space to leave on the target after copying a release (default 256;
#                           the database and its pre-migration backup grow there too)
# Commands in DEPLOY_RESTART_CMD/DEPLOY_STOP_CMD are split on whitespace and run
# without a shell (no quoting, no expansion).

# Globals set here are read by the scripts that source this file.
# shellcheck disable=SC2034
DEPLOY_VERSION_PLACEHOLDER="MC_DEPLOY_VERSION_PLACEHOLDER"
# shellcheck disable=SC2034
TAG_PATTERN='^deploy-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}$'

step() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Reads and checks the settings; sets the globals used below.
# shellcheck disable=SC2034
load_settings() {
  DEPLOY_HOST="${DEPLOY_HOST:-}"
  DEPLOY_PATH="${DEPLOY_PATH:-}"
  [[ -n "$DEPLOY_PATH" ]] || die "DEPLOY_PATH is not set (the directory on the target holding releases/ and shared/)"
  DEPLOY_PATH="${DEPLOY_PATH%/}"
  # A plain absolute path: it is quoted everywhere, this only keeps it readable.
  [[ "$DEPLOY_PATH" =~ ^/[A-Za-z0-9._/+@-]+$ ]] || die "DEPLOY_PATH must be an absolute path of letters, digits and ._/+@- (got: $DEPLOY_PATH)"
  if [[ -n "$DEPLOY_HOST" && ! "$DEPLOY_HOST" =~ ^[A-Za-z0-9._@:%-]+$ ]]; then
    die "DEPLOY_HOST must look like user@host (got: $DEPLOY_HOST)"
  fi
  [[ "$DEPLOY_HOST" != -* ]] || die "DEPLOY_HOST must not start with '-'"
  ENV_FILE="${DEPLOY_ENV_FILE:-$DEPLOY_PATH/shared/mission-control.env}"
  HEALTH_URL="${DEPLOY_HEALTH_URL:-http://127.0.0.1:4000/api/health}"
  HEALTH_TIMEOUT="${DEPLOY_HEALTH_TIMEOUT:-60}"
  [[ "$HEALTH_TIMEOUT" =~ ^[0-9]+$ ]] || die "DEPLOY_HEALTH_TIMEOUT must be a number of seconds"
  ROLLBACK_HEALTH_TIMEOUT="${DEPLOY_ROLLBACK_HEALTH_TIMEOUT:-$((HEALTH_TIMEOUT > 60 ? HEALTH_TIMEOUT : 60))}"
  [[ "$ROLLBACK_HEALTH_TIMEOUT" =~ ^[0-9]+$ ]] || die "DEPLOY_ROLLBACK_HEALTH_TIMEOUT must be a number of seconds"
  KEEP="${DEPLOY_KEEP:-3}"
  [[ "$KEEP" =~ ^[1-9][0-9]*$ ]] || die "DEPLOY_KEEP must be a positive number"
  GIT_REMOTE="${DEPLOY_GIT_REMOTE:-origin}"
  MIN_FREE_MB="${DEPLOY_MIN_FREE_MB:-256}"
  [[ "$MIN_FREE_MB" =~ ^[0-9]+$ ]] || die "DEPLOY_MIN_FREE_MB must be a number of megabytes"
  SSH_PORT="${DEPLOY_SSH_PORT:-22}"
  [[ "$SSH_PORT" =~ ^[0-9]+$ ]] || die "DEPLOY_SSH_PORT must be a port number"
  if [[ -n "$DEPLOY_HOST" ]]; then
    TARGET_LABEL="$DEPLOY_HOST:$DEPLOY_PATH"
    read -r -a RESTART_CMD <<<"${DEPLOY_RESTART_CMD:-sudo -n systemctl restart mission-control}"
    read -r -a STOP_CMD <<<"${DEPLOY_STOP_CMD:-sudo -n systemctl stop mission-control}"
    TARGET_NODE="${DEPLOY_NODE:-/usr/bin/node}"
    RUN_AS="${DEPLOY_RUN_AS-mission-control}"
  else
    TARGET_LABEL="$DEPLOY_PATH"
    [[ -n "${DEPLOY_RESTART_CMD:-}" ]] || die "DEPLOY_RESTART_CMD is required for a local target (DEPLOY_HOST is empty)"
    read -r -a RESTART_CMD <<<"$DEPLOY_RESTART_CMD"
    read -r -a STOP_CMD <<<"${DEPLOY_STOP_CMD:-}"
    TARGET_NODE="${DEPLOY_NODE:-$(command -v node || true)}"
    [[ -n "$TARGET_NODE" ]] || die "no node on PATH; set DEPLOY_NODE"
    RUN_AS="${DEPLOY_RUN_AS:-}"
  fi
  [[ -z "$RUN_AS" || "$RUN_AS" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "DEPLOY_RUN_AS must be a user name"

  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mc-deploy.XXXXXX")"
  SSH_CMD=(ssh -p "$SSH_PORT" -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=15
    -o ControlMaster=auto -o "ControlPath=$WORK_DIR/ssh-%C" -o ControlPersist=60)
  local file
  for file in "${DEPLOY_SSH_KEY_FILE:-}" "${DEPLOY_KNOWN_HOSTS_FILE:-}"; do
    [[ -z "$file" || "$file" =~ ^[A-Za-z0-9._/+@-]+$ ]] || die "ssh key and known_hosts paths must not contain spaces or quotes: $file"
  done
  [[ -z "${DEPLOY_SSH_KEY_FILE:-}" ]] || SSH_CMD+=(-i "$DEPLOY_SSH_KEY_FILE" -o IdentitiesOnly=yes)
  [[ -z "${DEPLOY_KNOWN_HOSTS_FILE:-}" ]] || SSH_CMD+=(-o "UserKnownHostsFile=$DEPLOY_KNOWN_HOSTS_FILE")
}

# Removes the scratch directory and closes the shared SSH connection.
cleanup_work_dir() {
  if [[ -n "${DEPLOY_HOST:-}" && -n "${WORK_DIR:-}" ]]; then
    "${SSH_CMD[@]}" -O exit "$DEPLOY_HOST" 2>/dev/null || true
  fi
  [[ -z "${WORK_DIR:-}" ]] || rm -rf -- "$WORK_DIR"
}

# Runs one command (argument vector) on the target.
on_target() {
  if [[ -z "$DEPLOY_HOST" ]]; then
    "$@"
  else
    local quoted
    quoted="$(printf '%q ' "$@")"
    "${SSH_CMD[@]}" "$DEPLOY_HOST" -- "$quoted"
  fi
}

# Runs a command with its output in a log file, shown only when it fails.
quietly() {
  local log="$WORK_DIR/command.log"
  if ! "$@" >"$log" 2>&1; then
    cat -- "$log" >&2
    die "failed: $*"
  fi
}

target_has() { on_target test -e "$1"; }

# Fails with a clear message when the target cannot be reached (SSH) or DEPLOY_PATH's parent is missing.
check_target_reachable() {
  if [[ -n "$DEPLOY_HOST" ]]; then
    local out status=0
    out="$("${SSH_CMD[@]}" "$DEPLOY_HOST" -- true 2>&1)" || status=$?
    out="${out//$'\r'/}"
    out="${out//$'\n'/ }"
    ((status == 0)) || die "cannot reach $DEPLOY_HOST over SSH (port $SSH_PORT): ${out:-exit $status}. Nothing was changed."
  fi
}

# One deploy or rollback at a time per target: a directory created atomically
# on the target, removed by the holder's exit trap. An interrupted run (kill -9,
# a lost connection) leaves it behind; the message says how to clear it.
LOCK_HELD=""
take_lock() {
  local lock="$DEPLOY_PATH/deploy.lock" what="$1"
  on_target mkdir -p -- "$DEPLOY_PATH"
  if ! on_target mkdir -- "$lock" 2>/dev/null; then
    local owner
    owner="$(on_target cat -- "$lock/owner" 2>/dev/null || true)"
    die "another deploy or rollback is running on $TARGET_LABEL (${owner:-owner unknown}); nothing was changed. If none is, remove $lock and try again."
  fi
  LOCK_HELD=1
  # shellcheck disable=SC2016 # expanded by the target's sh, from its arguments
  on_target sh -c 'printf "%s\n" "$1" > "$2"' sh "$what by $(id -un)@$(hostname) pid $$ since $(date -u +%FT%TZ)" "$lock/owner"
}
release_lock() {
  [[ -n "$LOCK_HELD" ]] || return 0
  on_target rm -rf -- "$DEPLOY_PATH/deploy.lock" || warn "could not remove $DEPLOY_PATH/deploy.lock"
  LOCK_HELD=""
}

# Refuses to copy a release of SIZE_KB when less than it plus DEPLOY_MIN_FREE_MB is free on the target.
check_free_space() {
  local size_kb="$1" free_kb
  free_kb="$(on_target df -Pk -- "$DEPLOY_PATH/releases" | awk 'NR == 2 { print $4 }')"
  [[ "$free_kb" =~ ^[0-9]+$ ]] || die "cannot read the free space of $DEPLOY_PATH/releases on the target"
  local need_kb=$((size_kb + MIN_FREE_MB * 1024))
  if ((free_kb < need_kb)); then
    die "not enough free space on the target: $((free_kb / 1024)) MB free in $DEPLOY_PATH/releases, the release needs $(((size_kb + 1023) / 1024)) MB plus DEPLOY_MIN_FREE_MB=$MIN_FREE_MB MB for the database and its backup. Free some space; nothing was changed."
  fi
}

# Name of the release `current` points at (empty when there is none).
current_release() {
  local link
  link="$(on_target readlink "$DEPLOY_PATH/current" 2>/dev/null || true)"
  [[ -n "$link" ]] && basename -- "$link"
  return 0
}

# Release directories on the target, oldest first.
list_releases() {
  on_target find "$DEPLOY_PATH/releases" -mindepth 1 -maxdepth 1 -type d -name 'deploy-*' -printf '%f\n' | LC_ALL=C sort
}

# Deploy tags in the local repository, oldest first.
list_tags() { git -C "$REPO_ROOT" tag -l 'deploy-*' | LC_ALL=C sort; }

# Copies what a release needs from SRC_ROOT into a staging directory, then to
# releases/TAG on the target. Both copies honour deploy/rsync-excludes.txt.
upload_release() {
  local src_root="$1" tag="$2"
  local excludes="$REPO_ROOT/deploy/rsync-excludes.txt" stage="$WORK_DIR/stage"
  [[ -f "$src_root/build/server/index.js" ]] || die "$src_root/build/server/index.js is missing: nothing to deploy"
  rm -rf -- "$stage"
  mkdir -p -- "$stage"
  (cd -- "$src_root" && rsync -aR --exclude-from="$excludes" -- build supabase/migrations supabase/sql deploy package.json "$stage/")
  # A prebuilt bundle (DEPLOY_SKIP_BUILD=1) carries a placeholder for its version.
  local file
  while IFS= read -r -d '' file; do
    sed -i "s/$DEPLOY_VERSION_PLACEHOLDER/$tag/g" -- "$file"
  done < <(grep -rlZF -- "$DEPLOY_VERSION_PLACEHOLDER" "$stage/build" || true)
  check_free_space "$(du -sk -- "$stage" | cut -f1)"
  local dest="$DEPLOY_PATH/releases/$tag/"
  on_target mkdir -p -- "$dest"
  local rsync_args=(-a --delete "--chmod=D755,F644" --exclude-from="$excludes")
  if [[ -n "$DEPLOY_HOST" ]]; then
    rsync "${rsync_args[@]}" -e "${SSH_CMD[*]}" -- "$stage/" "$DEPLOY_HOST:$dest"
  else
    rsync "${rsync_args[@]}" -- "$stage/" "$dest"
  fi
}

# True when the target's environment file names a PostgreSQL DATABASE_URL
# (several processes may then share the database); false = embedded database.
uses_postgres() {
  local status=0
  on_target grep -Eq '^[[:space:]]*(export[[:space:]]+)?DATABASE_URL=["'\'']?postgres' "$ENV_FILE" || status=$?
  case "$status" in
    0) return 0 ;;
    1) return 1 ;;
    *) die "cannot read $ENV_FILE on the target" ;;
  esac
}

# `node <release>/build/server/index.js ARG…` with the target's environment file,
# from DEPLOY_PATH/shared (so a relative DATA_DIR means shared/data, as under
# systemd), as DEPLOY_RUN_AS: migrate, restore, backups (server/db-commands.ts).
release_node() {
  local tag="$1"
  shift
  local index="$DEPLOY_PATH/releases/$tag/build/server/index.js"
  if [[ -n "$RUN_AS" ]]; then
    on_target env -C "$DEPLOY_PATH/shared" sudo -n -u "$RUN_AS" "$TARGET_NODE" --env-file="$ENV_FILE" "$index" "$@"
  else
    on_target env -C "$DEPLOY_PATH/shared" -i NODE_ENV=production "PATH=$(dirname -- "$TARGET_NODE"):/usr/bin:/bin" \
      "$TARGET_NODE" --env-file="$ENV_FILE" "$index" "$@"
  fi
}

# Migrations a release carries that OTHER does not, whose header does not declare
# `-- compatible-with-previous: true`, one name a line (supabase/migrations in each release).
incompatible_migrations() {
  local newer="$1" older="$2" name
  local dir="$DEPLOY_PATH/releases/$newer/supabase/migrations" old_dir="$DEPLOY_PATH/releases/$older/supabase/migrations"
  while IFS= read -r name; do
    [[ -n "$name" ]] || continue
    target_has "$old_dir/$name" && continue
    on_target grep -qiE '^--[[:space:]]*compatible-with-previous:[[:space:]]*true[[:space:]]*$' "$dir/$name" || printf '%s\n' "${name%.sql}"
  done < <(on_target find "$dir" -maxdepth 1 -name '*.sql' -printf '%f\n' | LC_ALL=C sort)
}

# Points `current` at releases/TAG atomically (a new symlink renamed over the old).
switch_current() {
  local tag="$1"
  on_target ln -sfn -- "releases/$tag" "$DEPLOY_PATH/current.tmp"
  on_target mv -Tf -- "$DEPLOY_PATH/current.tmp" "$DEPLOY_PATH/current"
}

restart_service() { on_target "${RESTART_CMD[@]}"; }

stop_service() {
  [[ ${#STOP_CMD[@]} -gt 0 ]] || return 0
  on_target "${STOP_CMD[@]}"
}

# Waits until the health endpoint answers 200 with "version":"VERSION",
# for up to SECONDS (default HEALTH_TIMEOUT).
wait_for_health() {
  local want="$1" limit="${2:-$HEALTH_TIMEOUT}" body seen=""
  local deadline=$((SECONDS + limit))
  while :; do
    body="$(on_target curl -fsS --max-time 5 -- "$HEALTH_URL" 2>/dev/null || true)"
    seen="$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<<"$body")"
    if [[ "$seen" == "$want" ]]; then
      printf '    healthy: %s\n' "$body"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      printf '    no healthy answer with version %s within %ss (last seen: %s)\n' "$want" "$limit" "${seen:-nothing}" >&2
      return 1
    fi
    sleep 1
  done
}
