#!/usr/bin/env bash
# Constrained-link test bed: a gateway site and its devices in their own
# network namespaces, joined to this (central) namespace by veth pairs with a
# token-bucket rate limit on each direction. Addresses come from 198.18.0.0/15
# (reserved for network benchmarks) and exist only inside this test bed.
#
#   netbed.sh up   NAME INDEX UPLINK_RATE DEVLINK_RATE   e.g. up fc1234 7 2mbit 256kbit
#   netbed.sh down NAME
#   netbed.sh link NAME uplink|devlink up|down
#
# Topology (INDEX picks the /24s, so several test beds can run at once):
#   central ns          NAME-gw ns                    NAME-dev ns
#   NAMEu0 198.18.I.1 ── NAMEu1 198.18.I.2
#                         NAMEd0 198.19.I.1 ──────── NAMEd1 198.19.I.2
# UPLINK_RATE shapes manager<->gateway traffic, DEVLINK_RATE gateway<->devices.
# Needs root (CAP_NET_ADMIN); prints a reason and exits 3 when namespaces
# cannot be made here.
set -euo pipefail

cmd=${1:-}
name=${2:-}
[ -n "$cmd" ] && [ -n "$name" ] || { sed -n '2,17p' "$0"; exit 2; }
[[ "$name" =~ ^[a-z0-9]{1,8}$ ]] || { echo "netbed: NAME must be 1-8 of [a-z0-9]" >&2; exit 2; }

shape() {  # dev rate [netns]
  local dev=$1 rate=$2 ns=${3:-}
  local run=()
  [ -n "$ns" ] && run=(ip netns exec "$ns")
  # burst: a few full-size packets; latency bounds the queue so the rate holds.
  "${run[@]}" tc qdisc replace dev "$dev" root tbf rate "$rate" burst 8kb latency 500ms
}

case "$cmd" in
  up)
    index=${3:?INDEX}; up_rate=${4:?UPLINK_RATE}; dev_rate=${5:?DEVLINK_RATE}
    [[ "$index" =~ ^[0-9]+$ ]] && [ "$index" -ge 1 ] && [ "$index" -le 254 ] || { echo "netbed: INDEX 1..254" >&2; exit 2; }
    if [ "$(id -u)" -ne 0 ]; then echo "netbed: needs root to create network namespaces" >&2; exit 3; fi
    if ! ip netns add "$name-gw" 2>/dev/null; then echo "netbed: cannot create network namespaces here" >&2; exit 3; fi
    ip netns add "$name-dev"
    for ns in "$name-gw" "$name-dev"; do ip netns exec "$ns" ip link set lo up; done
    ip link add "${name}u0" type veth peer name "${name}u1"
    ip link set "${name}u1" netns "$name-gw"
    ip addr add "198.18.$index.1/24" dev "${name}u0"
    ip link set "${name}u0" up
    ip netns exec "$name-gw" ip addr add "198.18.$index.2/24" dev "${name}u1"
    ip netns exec "$name-gw" ip link set "${name}u1" up
    ip netns exec "$name-gw" ip link add "${name}d0" type veth peer name "${name}d1"
    ip netns exec "$name-gw" ip link set "${name}d1" netns "$name-dev"
    ip netns exec "$name-gw" ip addr add "198.19.$index.1/24" dev "${name}d0"
    ip netns exec "$name-gw" ip link set "${name}d0" up
    ip netns exec "$name-dev" ip addr add "198.19.$index.2/24" dev "${name}d1"
    ip netns exec "$name-dev" ip link set "${name}d1" up
    shape "${name}u0" "$up_rate"
    shape "${name}u1" "$up_rate" "$name-gw"
    shape "${name}d0" "$dev_rate" "$name-gw"
    shape "${name}d1" "$dev_rate" "$name-dev"
    ;;
  down)
    ip netns del "$name-dev" 2>/dev/null || true
    ip netns del "$name-gw" 2>/dev/null || true
    ip link del "${name}u0" 2>/dev/null || true
    ;;
  link)
    which=${3:?uplink|devlink}; state=${4:?up|down}
    case "$which" in
      uplink) ip link set "${name}u0" "$state" ;;
      devlink) ip netns exec "$name-gw" ip link set "${name}d0" "$state" ;;
      *) echo "netbed: link uplink|devlink" >&2; exit 2 ;;
    esac
    ;;
  *) echo "netbed: unknown command $cmd" >&2; exit 2 ;;
esac
