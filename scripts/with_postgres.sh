#!/usr/bin/env bash
# Usage : scripts/with_postgres.sh CMD [ARGS...]
#
# Runs CMD with AFN_TEST_POSTGRES_URL pointing at a throwaway PostgreSQL server:
# a fresh cluster in a temp directory, listening on 127.0.0.1 only, stopped and
# deleted on exit (success, failure or Ctrl-C). Exits with CMD's exit code.
# If AFN_TEST_POSTGRES_URL is already set, CMD is simply run against that server.
# Installs the Debian `postgresql` package when no server binaries are found.
set -euo pipefail

log() { printf '[with_postgres] %s\n' "$*" >&2; }
die() { log "ERREUR : $*"; exit 1; }

[ "$#" -gt 0 ] || die "usage : $0 COMMANDE [ARGUMENTS...]"

if [ -n "${AFN_TEST_POSTGRES_URL:-}" ]; then
    log "AFN_TEST_POSTGRES_URL déjà défini : utilisation du serveur existant."
    exec "$@"
fi

DEFAULT_PORT=54329
DB_USER=afn
DB_NAME=afn_test

# --- 1. Binaries ------------------------------------------------------------
find_bindir() {
    local d best=""
    # Highest Debian-packaged version first (sort -V: 9 < 10 < 15 < 16).
    best=$(for d in /usr/lib/postgresql/*/bin; do
               [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && printf '%s\n' "$d"
           done | sort -V | tail -n 1) || true
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        best=$(dirname "$(command -v initdb)")
    fi
    printf '%s' "$best"
}

install_postgres() {
    local -a priv=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 \
            || die "PostgreSQL absent, et ni root ni sudo pour l'installer (apt-get install postgresql)."
        priv=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 \
        || die "PostgreSQL absent et apt-get indisponible : installez le serveur PostgreSQL (initdb, pg_ctl)."
    local -a install=("${priv[@]}" env DEBIAN_FRONTEND=noninteractive
                      apt-get install -y --no-install-recommends postgresql)
    log "Installation de PostgreSQL (apt-get install postgresql)…"
    if ! "${install[@]}"; then
        log "Échec de l'installation : mise à jour des index apt (apt-get update) puis nouvel essai…"
        "${priv[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update \
            || die "apt-get update a échoué."
        "${install[@]}" || die "apt-get install postgresql a échoué."
    fi
}

log "Recherche des binaires du serveur PostgreSQL…"
PG_BIN=$(find_bindir)
if [ -z "$PG_BIN" ]; then
    install_postgres
    PG_BIN=$(find_bindir)
    [ -n "$PG_BIN" ] || die "binaires PostgreSQL (initdb, pg_ctl) introuvables après installation."
fi
log "Binaires PostgreSQL : $PG_BIN ($("$PG_BIN/pg_ctl" --version))"

# --- Who owns the cluster ---------------------------------------------------
# initdb/postgres refuse to run as root: use the `postgres` system user then.
AS_PG=()
if [ "$(id -u)" -eq 0 ]; then
    id -u postgres >/dev/null 2>&1 \
        || die "exécution en root mais l'utilisateur système « postgres » n'existe pas."
    if command -v runuser >/dev/null 2>&1; then
        AS_PG=(runuser -u postgres --)
    elif command -v setpriv >/dev/null 2>&1; then
        AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    else
        die "ni runuser ni setpriv disponibles pour lancer PostgreSQL sous l'utilisateur « postgres »."
    fi
fi

# Run a server command as the cluster owner, from a directory it can read.
as_owner() { (cd "$PG_TMP" && "${AS_PG[@]}" "$@"); }

# --- Cleanup (always) -------------------------------------------------------
PG_TMP=""
PG_DATA=""
PG_LOG=""
SERVER_STARTED=0
cleanup() {
    local rc=$?
    trap - EXIT
    trap '' INT TERM  # a second Ctrl-C must not interrupt the cleanup
    set +e
    if [ "$SERVER_STARTED" -eq 1 ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        log "Arrêt du serveur PostgreSQL…"
        as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 \
            || { log "ATTENTION : l'arrêt du serveur a échoué ; fin du journal :"
                 tail -n 20 "$PG_LOG" >&2; }
    fi
    if [ -n "$PG_TMP" ] && [ -d "$PG_TMP" ]; then
        log "Suppression du répertoire temporaire $PG_TMP"
        rm -rf -- "$PG_TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 2. Throwaway cluster ---------------------------------------------------
log "Création du cluster temporaire…"
PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/afn-pg.XXXXXX")
if [ "${#AS_PG[@]}" -gt 0 ]; then
    chown postgres: "$PG_TMP"
    # TMPDIR may live somewhere `postgres` cannot traverse (e.g. under /root).
    if ! (cd / && "${AS_PG[@]}" test -w "$PG_TMP" -a -x "$PG_TMP"); then
        rm -rf -- "$PG_TMP"
        PG_TMP=$(mktemp -d /tmp/afn-pg.XXXXXX)
        chown postgres: "$PG_TMP"
    fi
fi
PG_DATA="$PG_TMP/data"
PG_SOCK="$PG_TMP/sock"
PG_LOG="$PG_TMP/postgres.log"
as_owner mkdir -m 700 "$PG_SOCK"

LOCALE=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
    LOCALE=C.UTF-8
fi
if ! as_owner "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust -E UTF8 --locale="$LOCALE" \
        -U "$DB_USER" >"$PG_TMP/initdb.log" 2>&1; then
    if [ "$LOCALE" != C ]; then
        log "initdb avec la locale $LOCALE a échoué : nouvel essai avec la locale C."
        as_owner rm -rf "$PG_DATA"
        LOCALE=C
        as_owner "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust -E UTF8 --locale=C \
            -U "$DB_USER" >"$PG_TMP/initdb.log" 2>&1 \
            || { cat "$PG_TMP/initdb.log" >&2; die "initdb a échoué."; }
    else
        cat "$PG_TMP/initdb.log" >&2
        die "initdb a échoué."
    fi
fi

# --- 3. Start on a free port ------------------------------------------------
port_free() {
    local port=$1
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$port" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
    else
        # Something answers on the port => taken.
        ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# pick_port [avoid_default]: the default port if free (and not to avoid), else a free ephemeral one.
pick_port() {
    local p
    if [ "${1:-0}" -eq 0 ] && port_free "$DEFAULT_PORT"; then
        printf '%s' "$DEFAULT_PORT"
        return
    fi
    if command -v python3 >/dev/null 2>&1; then
        p=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null) \
            && [ -n "$p" ] && { printf '%s' "$p"; return; }
    fi
    for _ in $(seq 1 50); do
        p=$(( 49152 + RANDOM % 16000 ))
        if [ "$p" -ne "$DEFAULT_PORT" ] && port_free "$p"; then printf '%s' "$p"; return; fi
    done
    die "aucun port libre trouvé."
}

cp "$PG_DATA/postgresql.conf" "$PG_TMP/postgresql.conf.orig"
PORT=""
for attempt in 1 2 3 4 5; do
    # After a failed start (port grabbed meanwhile), never retry the default port.
    candidate=$(pick_port "$(( attempt > 1 ))")
    log "Démarrage de PostgreSQL sur 127.0.0.1:$candidate (essai $attempt)…"
    # Rewrite the settings from the pristine copy (keeps the file owner: truncate, not replace).
    {
        cat "$PG_TMP/postgresql.conf.orig"
        cat <<EOF

# --- afn-match: throwaway test server ---
listen_addresses = '127.0.0.1'
port = $candidate
unix_socket_directories = '$PG_SOCK'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    } >"$PG_DATA/postgresql.conf"
    SERVER_STARTED=1
    if as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null 2>&1; then
        PORT=$candidate
        break
    fi
    SERVER_STARTED=0
    log "Échec du démarrage sur le port $candidate :"
    tail -n 5 "$PG_LOG" >&2 2>/dev/null || true
    # Make sure nothing half-started is left behind before retrying.
    as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
done
[ -n "$PORT" ] || die "impossible de démarrer PostgreSQL après 5 essais."

# --- 4. Database, then the command ------------------------------------------
log "Création de la base $DB_NAME…"
env -u PGSERVICE -u PGSSLMODE -u PGOPTIONS -u PGDATABASE \
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$DB_USER" "$DB_NAME" \
    || die "createdb $DB_NAME a échoué."

export AFN_TEST_POSTGRES_URL="postgresql+psycopg://$DB_USER@127.0.0.1:$PORT/$DB_NAME"
log "PostgreSQL prêt : $AFN_TEST_POSTGRES_URL"
log "Lancement : $*"

set +e
"$@"
CMD_RC=$?
set -e
log "Commande terminée (code de sortie $CMD_RC)."
exit "$CMD_RC"
