#!/usr/bin/env bash
# The round benchmark on the production topology: the real Temporal server
# (built from the go.temporal.io/server go.mod pins) in a process of its own
# with deploy/temporal/config.yaml on PostgreSQL, and `valghalla bench round
# --temporal-address` against it with one worker process, then two; each run
# measures the bare Temporal baseline on the same server before and after
# the product's round. Report: bench/README.md ("Production topology").
#
#   bench/topology.sh [PEOPLE]        # default 10000; PG=postgres://… to choose the server,
#                                     # WORKERS="1 2" the worker counts to run
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE=${1:-10000}
PG=${PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
SHARDS=${SHARDS:-4}
WORKERS=${WORKERS:-1 2}
work=$(mktemp -d)
suffix=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
db=bench_topo_temporal_$suffix
vis=bench_topo_visibility_$suffix

export CGO_ENABLED=0
go build -trimpath -o "$work/valghalla" ./cmd/valghalla
go build -o "$work/temporal-server" go.temporal.io/server/cmd/server
go build -o "$work/temporal-sql-tool" go.temporal.io/server/cmd/tools/sql

# Below 32768: the membership ports go into a smallint column.
free_port() { python3 -c 'import socket,random
while True:
    p=random.randrange(20000,32000); s=socket.socket()
    try: s.bind(("127.0.0.1",p)); print(p); break
    except OSError: pass'; }
hostport=$(echo "$PG" | sed -E 's#^postgres(ql)?://([^@]*@)?([^/?]*).*#\3#')
host=${hostport%:*}
port=${hostport##*:}
user=$(echo "$PG" | sed -E 's#^postgres(ql)?://(([^:@]*)(:[^@]*)?@)?.*#\3#')
user=${user:-postgres}

server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
	psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP DATABASE IF EXISTS $vis WITH (FORCE)" >/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

psql "$PG" -qc "CREATE DATABASE $db" -c "CREATE DATABASE $vis"
for pair in "$db:postgresql/v12/temporal" "$vis:postgresql/v12/visibility"; do
	# The tool logs every statement: kept, and shown only when it fails.
	if ! { "$work/temporal-sql-tool" --plugin postgres12 --ep "$host" -p "$port" -u "$user" --db "${pair%%:*}" setup-schema -v 0.0 &&
		"$work/temporal-sql-tool" --plugin postgres12 --ep "$host" -p "$port" -u "$user" --db "${pair%%:*}" update-schema --schema-name "${pair#*:}"; } >"$work/schema.log" 2>&1; then
		cat "$work/schema.log" >&2
		exit 1
	fi
done

export TEMPORAL_VERSION_CHECK_DISABLED=1 POSTGRES_ADDR="$host:$port" POSTGRES_USER="$user" DBNAME=$db VISIBILITY_DBNAME=$vis NUM_HISTORY_SHARDS=$SHARDS
export DYNAMIC_CONFIG_FILE_PATH="$PWD/deploy/dynamicconfig/production.yaml"
for name in FRONTEND_GRPC FRONTEND_MEMBERSHIP FRONTEND_HTTP HISTORY_GRPC HISTORY_MEMBERSHIP MATCHING_GRPC MATCHING_MEMBERSHIP WORKER_GRPC WORKER_MEMBERSHIP; do
	export "${name}_PORT=$(free_port)"
done
"$work/temporal-server" --config-file deploy/temporal/config.yaml --allow-no-auth start >"$work/temporal.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
	"$work/valghalla" probe "http://127.0.0.1:$FRONTEND_HTTP_PORT/api/v1/namespaces" >/dev/null 2>&1 && break
	sleep 1
done
echo "# Temporal server process $server_pid at 127.0.0.1:$FRONTEND_GRPC_PORT, $SHARDS history shards; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for workers in $WORKERS; do
	"$work/valghalla" bench round --people "$PEOPLE" --postgres "$PG" --temporal-address "127.0.0.1:$FRONTEND_GRPC_PORT" --workers "$workers"
	echo "# load after $workers worker(s): $(cut -d' ' -f1-3 /proc/loadavg)"
done
