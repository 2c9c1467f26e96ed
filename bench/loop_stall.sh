#!/bin/bash
# Issue 17 follow-up: the manager loop's longest stall while a campaign that
# needs N new deltas is created. A real mosquitto (broker-config/dev.conf)
# and a real manager; N+1 releases of an S MiB image (random, each next one
# edited every 256 bytes) and one device per source version (its gateway's
# device_seen report, published by mosquitto_pub); then `campaign create
# --all` while another client asks `gateways` back to back. The figure
# is the longest `gateways` round trip while the campaign is created
# and prepared (the loop answers nothing while it makes a delta), next to
# the idle round trip. Run it with a manager and CLI of each build:
#   bench/loop_stall.sh BUILD_DIR [N] [SIZE_MIB]
set -euo pipefail
build=$(cd "$1" && pwd); n=${2:-4}; mib=${3:-16}
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /dev/shm/fc-stall.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed "s/^listener .*/listener $port 127.0.0.1/" "$here/broker-config/dev.conf" > "$dir/broker.conf"
grep -q "^listener" "$dir/broker.conf" || echo "listener $port 127.0.0.1" >> "$dir/broker.conf"
mosquitto -c "$dir/broker.conf" > "$dir/broker.log" 2>&1 &
uri=tcp://127.0.0.1:$port
cli() { "$build/manager/fleetcast" --broker "$uri" --timeout 120s "$@"; }
sleep 0.5
"$build/manager/fleetcast" keygen --out "$dir" --name mgr > /dev/null
"$build/manager/fleetcast-manager" --broker "$uri" --state-dir "$dir/state" --signing-key "$dir/mgr.key" \
  > "$dir/manager.log" 2>&1 &
until cli gateways > /dev/null 2>&1; do sleep 0.2; done
python3 - "$dir" "$n" "$mib" <<'PY'
import random, sys
d, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
b = bytearray(rng.randbytes(mib << 20))
for v in range(n + 1):
    open(f"{d}/v{v}.bin", "wb").write(b)
    for i in range(100 + v, len(b), 256): b[i] = rng.randrange(256)
PY
for v in $(seq 0 "$n"); do
  cli firmware add "$dir/v$v.bin" --model A123 --component main --version "1.$v" > /dev/null
done
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
for v in $(seq 0 $((n - 1))); do
  mosquitto_pub -p "$port" -q 1 -t fleetcast/v1/gw/gw1/report -m \
    "{\"type\":\"device_seen\",\"device\":\"A123-00000$v\",\"gateway\":\"gw1\",\"model\":\"A123\",\"status\":\"idle\",\"firmware\":{\"main\":\"1.$v\"},\"at\":\"$now\"}"
done
until [ "$(cli devices | grep -c A123-)" -ge "$n" ]; do sleep 0.2; done
ms() { echo $(( $(date +%s%N) / 1000000 )); }
ping_max() {  # the longest `gateways` round trip until $dir/stop exists
  local max=0 t0 dt
  while [ ! -e "$dir/stop" ]; do
    t0=$(ms); cli gateways > /dev/null; dt=$(( $(ms) - t0 ))
    [ "$dt" -gt "$max" ] && max=$dt
  done
  echo "$max"
}
idle=0; for i in 1 2 3 4 5; do t0=$(ms); cli gateways > /dev/null; dt=$(( $(ms) - t0 )); [ "$dt" -gt "$idle" ] && idle=$dt; done
ping_max > "$dir/ping" & pinger=$!
t0=$(ms)
cli campaign create --all --firmware "$(cli firmware list | awk '$4 == "1.'"$n"'" {print $1}')" > "$dir/created"
answered=$(( $(ms) - t0 ))
until grep -q "schedule_published" "$dir/manager.log"; do sleep 0.05; done
ready=$(( $(ms) - t0 ))
touch "$dir/stop"; wait "$pinger" || true
sleep 0.1
deltas=$(grep -c "delta_made" "$dir/manager.log" || true)
echo "build=$build pairs=$n image_mib=$mib deltas_made=$deltas"
echo "campaign_create answered_ms=$answered schedules_out_ms=$ready"
echo "gateways idle_max_ms=$idle during_max_ms=$(cat "$dir/ping")"
grep -o "delta_made.* ms=[0-9]*" "$dir/manager.log" | sed 's/.* ms=/delta_ms=/' | tr '\n' ' '; echo
