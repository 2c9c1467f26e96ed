#!/bin/sh
# The programs as the Debian packages install them: CPack builds the packages
# from the build tree, dpkg-deb -x unpacks them, and the unpacked manager,
# gateway, device agent (with the packaged file handler) and CLI, started with
# the packaged config files, update the device through a real mosquitto.
#   package_tree_test.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1 build=$2
tmp=$(mktemp -d)
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for log in "$tmp"/*.log; do echo "---- $log"; tail -20 "$log"; done
    exit 1
}
until_true() {  # SECONDS COMMAND...: until the command succeeds, at most SECONDS
    limit=$1; shift
    end=$(($(date +%s) + limit))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.2
    done
}

(cd "$build" && cpack -G DEB -B "$tmp/packages" >/dev/null) || fail "cpack failed"
mkdir "$tmp/root"
for deb in "$tmp"/packages/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
root=$tmp/root bin=$tmp/root/usr/bin etc=$tmp/root/etc/fleetcast
for f in "$bin/fleetcast-manager" "$bin/fleetcast-gateway" "$bin/fleetcast-device" "$bin/fleetcast" \
         "$root/usr/lib/fleetcast/handlers/file" "$etc/device.conf"; do
    [ -e "$f" ] || fail "the packages do not install $f"
done

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{ echo "listener $port 127.0.0.1"; cat "$src/broker-config/dev.conf"; } > "$tmp/mosquitto.conf"
mosquitto -c "$tmp/mosquitto.conf" > "$tmp/broker.log" 2>&1 &
pids="$pids $!"
until_true 10 mosquitto_pub -h 127.0.0.1 -p "$port" -t fleetcast/test -m up || fail "mosquitto did not start"
broker=tcp://127.0.0.1:$port
fc="$bin/fleetcast --broker $broker --timeout 20s"

$fc keygen --out "$tmp/keys" >/dev/null || fail "keygen"
# The packaged config files, with this test's broker, state and keys on the command line.
"$bin/fleetcast-manager" --config "$etc/manager.conf" --broker "$broker" --state-dir "$tmp/manager" \
    --signing-key "$tmp/keys/manager.key" > "$tmp/manager.log" 2>&1 &
pids="$pids $!"
"$bin/fleetcast-gateway" --config "$etc/gateway.conf" --id gw1 --broker "$broker" --state-dir "$tmp/gw1" \
    --trust-key "$tmp/keys/manager.pub" > "$tmp/gateway.log" 2>&1 &
pids="$pids $!"
mkdir "$tmp/app"
printf 'bundle 1.0\n' > "$tmp/app/bundle.bin"
printf 'TARGET=%s\n' "$tmp/app/bundle.bin" > "$tmp/file.conf"
# The packaged device.conf names the device A123-000001 (model A123): kept.
"$bin/fleetcast-device" --config "$etc/device.conf" --gateway gw1 --broker "$broker" --state-dir "$tmp/device" \
    --trust-key "$tmp/keys/manager.pub" --handler "main=$root/usr/lib/fleetcast/handlers/file" \
    --handler-config "main=$tmp/file.conf" --reboot-command "" > "$tmp/device.log" 2>&1 &
pids="$pids $!"

registered() { $fc devices --json | grep -q '"A123-000001"'; }
until_true 30 registered || fail "the packaged agent never registered"
head -c 300000 /dev/urandom > "$tmp/image"
$fc firmware add "$tmp/image" --model A123 --component main --version 2.0 > "$tmp/firmware.log" 2>&1 ||
    fail "firmware add"
campaign=$($fc campaign create --device A123-000001 | head -n 1)
$fc results "$campaign" --wait-complete 90 > "$tmp/results.log" 2>&1 || fail "the update did not complete"
want=$(sha256sum "$tmp/image" | cut -d' ' -f1)
got=$(sha256sum "$tmp/app/bundle.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "the installed file has SHA-256 $got, not the image's $want"
echo "ok: the unpacked packages updated the device (campaign $campaign)"
