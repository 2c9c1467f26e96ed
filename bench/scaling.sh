#!/usr/bin/env bash
# Issue 20 item 6: the scaling curves of bench/README.md.
#   bench/scaling.sh BUILD_DIR OUT_DIR [DEVICE_COUNTS] [REGISTERED_COUNTS]
# Runs fleet_bench scenario 1 (one site, 3 models) for each device count and
# scenario 6 (manager alone) for each registered-device count, writes the JSON
# lines to OUT_DIR/fanout.jsonl and OUT_DIR/manager.jsonl, the tables
# OUT_DIR/fanout.dat and OUT_DIR/manager.dat, then draws OUT_DIR/scaling.png
# with bench/plot-scaling.gp (gnuplot). IMAGE_MIB (default 2) sets scenario 1's image size,
# STATE_DIR (default /dev/shm/fleetcast-scaling) where the programs keep their state.
set -euo pipefail
build=${1:?build dir}
out=${2:?output dir}
devices=${3:-"100 300 1000"}
registered=${4:-"10000 100000 1000000"}
image_mib=${IMAGE_MIB:-2}
state=${STATE_DIR:-/dev/shm/fleetcast-scaling}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
: >"$out/fanout.jsonl"
: >"$out/manager.jsonl"
for n in $devices; do
  "$build/bench/fleet_bench" --scenarios 1 --devices "$n" --image-mib "$image_mib" --state-dir "$state" | head -1 >>"$out/fanout.jsonl" || true
done
for n in $registered; do
  "$build/bench/fleet_bench" --scenarios 6 --scale-devices "$n" --state-dir "$state" | head -1 >>"$out/manager.jsonl" || true
done
# One row per run, the columns the plot reads.
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def rows(name):
    for line in open(os.path.join(out, name)):
        line = line.strip()
        if line.startswith('{'):
            yield json.loads(line)
with open(os.path.join(out, 'fanout.dat'), 'w') as f:
    f.write('# devices wall_s raw_s raw_work_s cpu_manager_s cpu_gateway_s cpu_simulators_s\n')
    for r in rows('fanout.jsonl'):
        f.write('%d %.3f %.3f %.3f %.3f %.3f %.3f\n' % (r['devices'], r['wall_s'], r['raw_baseline_s'],
                r.get('raw_work_baseline_s', 0), r['cpu_manager_s'], r['cpu_gateway_s'], r['cpu_device_simulators_s']))
with open(os.path.join(out, 'manager.dat'), 'w') as f:
    f.write('# registered create_s create_cpu_s results_page_s results_all_s\n')
    for r in rows('manager.jsonl'):
        f.write('%d %.3f %.3f %.3f %.3f\n' % (r['registered_devices'], r['campaign_create_s'],
                r.get('campaign_create_manager_cpu_s', 0), r.get('results_page_s', 0), r['results_s']))
PY
gnuplot -e "dir='$out'" "$here/plot-scaling.gp"
echo "wrote $out/scaling.png"
