#!/usr/bin/env bash
# Three Orleans silos of one cluster on this host, on one PostgreSQL, configured by their ports alone: each gets
# its own HTTP port (8081-8083), silo-to-silo port (11111-11113) and Orleans gateway port (30001-30003). They find
# each other in the database's membership table (Orleans' ADO.NET clustering) and share one admin token.
#
#   bash deploy/cluster/run-3-silos.sh            # uses a PostgreSQL it starts under ./.data/cluster-postgres
#   ARBITRAGE_DB='Host=...;Username=...;Password=...;Database=...' bash deploy/cluster/run-3-silos.sh
#
# Ctrl-C stops the silos (each leaves the membership gracefully) and the PostgreSQL this script started.
set -euo pipefail
cd "$(dirname "$0")/../.."

dotnet build Silo -c Release -v quiet -nologo
silo_dll="Silo/bin/Release/net10.0/Arbitrage.Orleans.Silo.dll"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  if [ -n "${pg_stop:-}" ]; then eval "$pg_stop"; fi
}
trap cleanup EXIT INT TERM

if [ -z "${ARBITRAGE_DB:-}" ]; then
  # One silo started alone with a local database would keep it to itself; start a shared one instead.
  data="$PWD/.data/cluster-postgres"
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  mkdir -p "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
    run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
  fi
  run_pg "$bin/pg_ctl" -D "$data" -l "$data/postgres.log" -w -o "-p 15432 -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >/dev/null
  pg_stop="run_pg '$bin/pg_ctl' -D '$data' -m fast -w stop >/dev/null"
  run_pg "$bin/psql" -h 127.0.0.1 -p 15432 -U postgres -tc "select 1 from pg_database where datname = 'arbitrage'" | grep -q 1 \
    || run_pg "$bin/psql" -h 127.0.0.1 -p 15432 -U postgres -c "create database arbitrage" >/dev/null
  ARBITRAGE_DB="Host=127.0.0.1;Port=15432;Username=postgres;Database=arbitrage"
  echo "PostgreSQL (trust auth, loopback only) at 127.0.0.1:15432, data in $data"
fi

# One admin token for the whole cluster (each silo would otherwise make its own and revoke the others').
token_file=".data/cluster-admin-token"
if [ ! -s "$token_file" ]; then
  (umask 077; dotnet "$silo_dll" new-admin-token > "$token_file")
fi

for i in 1 2 3; do
  ARBITRAGE_ADMIN_TOKEN="$(cat "$token_file")" ConnectionStrings__Arbitrage="$ARBITRAGE_DB" dotnet "$silo_dll" \
    --urls "http://127.0.0.1:808$i" \
    --Orleans:SiloPort "1111$i" --Orleans:GatewayPort "3000$i" \
    > ".data/silo-$i.log" 2>&1 &
  pids+=($!)
  echo "silo $i: HTTP http://127.0.0.1:808$i (dashboard /dashboard), silo port 1111$i, gateway port 3000$i, log .data/silo-$i.log"
done
echo "admin token: $token_file"

echo "Ctrl-C to stop."
wait
