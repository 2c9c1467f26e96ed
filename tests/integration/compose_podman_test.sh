#!/bin/sh
# docker-compose.yml's two-site fleet under podman (issue 18 item 4): the image
# is the Dockerfile's, from this build's Debian packages (CPack); every service
# of docker-compose.yml runs in its own container on podman's network (central
# broker, manager, two bridged site brokers, two gateways, 2 x 200 simulated
# devices); the campaign service adds the images and updates every device.
# Then everything is torn down.
#   compose_podman_test.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

# A machine that cannot run a container at all (no mirror for the base image,
# no container runtime that works here) skips the test, saying why (exit 77);
# anything after that is the product's and fails.
rc=0
"$src/scripts/compose-podman" preflight || rc=$?
if [ "$rc" = 3 ]; then
    echo "SKIP: this machine cannot run containers (above)"
    exit 77
fi
[ "$rc" = 0 ] || fail "compose-podman preflight ended with $rc"
(cd "$build" && cpack -G DEB -B "$tmp/packages" >/dev/null) || fail "cpack failed"
"$src/scripts/compose-podman" run --packages "$tmp/packages" --wait 900 --logs "$tmp/logs" >"$tmp/run.out" 2>&1 || rc=$?
cat "$tmp/run.out"
[ "$rc" = 0 ] || fail "the campaign service ended with $rc (124: not within 900 s)"

# The manager's results, as the campaign service printed them: every device of
# both sites completed, and each image (3,158,073 B, one per model) crossed the
# manager's link once per gateway: 2 images x 2 gateways.
grep -q "^summary: 400 completed, 0 waiting, 0 error, 0 expired, 0 canceled (400 targets)$" "$tmp/logs/campaign.log" ||
    fail "not every device completed"
grep -q "^manager -> gateways: 12632292 B sent" "$tmp/logs/campaign.log" ||
    fail "the images did not cross the manager's link exactly once per gateway"

# Each site's own logs: the gateway cached both images once and fanned each out
# once; each simulated device confirmed its update after the restart.
for site in 1 2; do
    n=$(grep -c " gateway image_cached " "$tmp/logs/gw$site.log" || true)
    [ "$n" = 2 ] || fail "gw$site cached $n images, not 2"
    n=$(grep -c " gateway fanout_started " "$tmp/logs/gw$site.log" || true)
    [ "$n" = 2 ] || fail "gw$site started $n fan-outs, not one per model"
    n=$(grep -c " device boot_confirmed " "$tmp/logs/devices$site.log" || true)
    [ "$n" = 200 ] || fail "site $site: $n devices confirmed their boot, not 200"
    if grep -q " ERROR " "$tmp/logs/gw$site.log" "$tmp/logs/devices$site.log"; then
        grep " ERROR " "$tmp/logs/gw$site.log" "$tmp/logs/devices$site.log" | head
        fail "site $site logged errors"
    fi
done

# Torn down: no container and no volume of the project is left.
left=$(podman ps -a --format '{{.Names}}' | grep -c '^fleetcast_' || true)
[ "$left" = 0 ] || fail "$left containers left after the run"
left=$(podman volume ls --format '{{.Name}}' | grep -c '^fleetcast_' || true)
[ "$left" = 0 ] || fail "$left volumes left after the run"
echo "compose fleet under podman: 400 of 400 devices updated, images once per gateway, torn down"
