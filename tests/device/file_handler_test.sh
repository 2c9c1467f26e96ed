#!/bin/sh
# handlers/file step by step on real files, without the agent: the target
# changes only at activate and in one rename, the previous file comes back on
# rollback, every step can run twice (a power cut), and the restart command
# runs after each change.
#   file_handler_test.sh SOURCE_DIR
set -eu
src=$1
handler=$src/handlers/file
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
check() {  # DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; fails=$((fails + 1)); fi
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

mkdir "$dir/app"
target=$dir/app/bundle.tar
printf 'bundle 1.0\n' > "$target"
chmod 0640 "$target"
old_sha=$(sha "$target")
# The "service" restart: counts its runs.
cat > "$dir/restart" <<EOF
#!/bin/sh
echo run >> "$dir/restarts"
EOF
chmod +x "$dir/restart"
cat > "$dir/conf" <<CONF
# test
TARGET=$target
RESTART_COMMAND=$dir/restart --quick
CONF
head -c 300000 /dev/urandom > "$dir/image"
new_sha=$(sha "$dir/image")
export FLEETCAST_HANDLER_CONFIG="$dir/conf" FLEETCAST_IMAGE_SIZE=300000 FLEETCAST_IMAGE_SHA256="$new_sha"
run() {  # STEP [stdin]: prints the exit code
    set +e
    "$handler" "$1" < "${2:-/dev/null}" > "$dir/out" 2>&1
    rc=$?
    set -e
    echo $rc
}
restarts() { [ -e "$dir/restarts" ] && wc -l < "$dir/restarts" | tr -d ' ' || echo 0; }

check "install" 0 "$(run install "$dir/image")"
check "install leaves the target alone" "$old_sha" "$(sha "$target")"
check "install again (power cut)" 0 "$(run install "$dir/image")"
check "verify before activate: the old file is there" 4 "$(run verify)"
check "activate" 0 "$(run activate)"
check "the target is the image byte for byte" "$new_sha" "$(sha "$target")"
check "the target keeps the old file's mode" 640 "$(stat -c %a "$target")"
check "the restart command ran" 1 "$(restarts)"
check "activate again (power cut after the rename)" 0 "$(run activate)"
check "no reboot needed" 10 "$(run needs-reboot)"
check "verify" 0 "$(run verify)"
check "rollback" 0 "$(run rollback)"
check "rolled back to the old file" "$old_sha" "$(sha "$target")"
check "rollback again (power cut)" 0 "$(run rollback)"
check "still the old file" "$old_sha" "$(sha "$target")"
check "restarted after each change" 4 "$(restarts)"
check "cleanup" 0 "$(run cleanup)"
check "cleanup leaves only the target" "bundle.tar" "$(ls -A "$dir/app")"

# The next update commits.
check "install 2" 0 "$(run install "$dir/image")"
check "activate 2" 0 "$(run activate)"
check "commit" 0 "$(run commit)"
check "commit again (power cut)" 0 "$(run commit)"
check "cleanup 2" 0 "$(run cleanup)"
check "committed: the image stays" "$new_sha" "$(sha "$target")"
check "committed: no copies left" "bundle.tar" "$(ls -A "$dir/app")"

# An image that does not arrive complete is refused at install; the target stays.
head -c 1000 "$dir/image" > "$dir/short"
check "install of a truncated image fails" 1 "$(run install "$dir/short")"
check "the reason names the checksum" 1 "$(grep -c 'reads back SHA-256' "$dir/out")"
check "the target is untouched" "$new_sha" "$(sha "$target")"
check "cleanup 3" 0 "$(run cleanup)"

# Direct writes: slot-path names the hidden new file, the agent writes it,
# install only fsyncs and reads it back; activate puts it in place.
printf 'bundle 1.0\n' > "$target"
check "slot-path" 0 "$(run slot-path)"
new_file=$(cat "$dir/out")
check "slot-path names the hidden new file" "$dir/app/.bundle.tar.fleetcast-new" "$new_file"
cp "$dir/image" "$new_file"
check "install of the image the agent wrote" 0 "$(FLEETCAST_IMAGE=$new_file FLEETCAST_IMAGE_IN_SLOT=1 run install)"
check "the written file stays" "$new_sha" "$(sha "$new_file")"
check "install of an image written elsewhere fails" 1 "$(FLEETCAST_IMAGE=$dir/image FLEETCAST_IMAGE_IN_SLOT=1 run install)"
check "activate of the directly written file" 0 "$(run activate)"
check "the target is the image" "$new_sha" "$(sha "$target")"
check "commit 3" 0 "$(run commit)"
check "cleanup after the direct update" 0 "$(run cleanup)"
echo DIRECT_WRITE=no >> "$dir/conf"
check "slot-path with DIRECT_WRITE=no says no (10)" 10 "$(run slot-path)"

# A component new to the device: rollback removes the file again.
rm "$target"
check "install new" 0 "$(run install "$dir/image")"
check "activate new" 0 "$(run activate)"
check "new file in place with mode 0644" 644 "$(stat -c %a "$target")"
check "rollback new" 0 "$(run rollback)"
check "rolled back: no file" no "$([ -e "$target" ] && echo yes || echo no)"
check "cleanup 4" 0 "$(run cleanup)"

# A failing restart command fails activate (the agent then rolls back).
printf 'bundle 1.0\n' > "$target"
cat > "$dir/restart" <<EOF
#!/bin/sh
echo "app.service: start request repeated too quickly" >&2
exit 1
EOF
check "install 5" 0 "$(run install "$dir/image")"
check "activate with a failing restart fails" 1 "$(run activate)"
check "the reason has the command's output" 1 "$(grep -c 'repeated too quickly' "$dir/out")"
check "rollback after it" 1 "$(run rollback)"
check "the old file is back even so" "$old_sha" "$(sha "$target")"

check "a relative TARGET is refused" 1 "$(printf 'TARGET=app.tar\n' > "$dir/conf" && run verify)"
check "an unknown key is refused" 1 "$(printf 'TARGET=%s\nTARGTE=x\n' "$target" > "$dir/conf" && run verify)"
check "unknown step fails" 1 "$(printf 'TARGET=%s\n' "$target" > "$dir/conf" && run format-disk)"
[ "$fails" = 0 ] || { echo "$fails checks failed"; exit 1; }
echo "all file handler checks passed"
