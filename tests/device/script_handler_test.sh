#!/bin/sh
# handlers/script step by step, without the agent: archives plain and
# compressed are unpacked into the update's private directory, the archive's
# install script runs there with the step name and its exit code is the
# step's, a second install (a power cut) starts over, cleanup removes the
# directory, and broken archives fail install.
#   script_handler_test.sh SOURCE_DIR
set -eu
src=$1
handler=$src/handlers/script
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
check() {  # DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; fails=$((fails + 1)); fi
}

mkdir "$dir/src" "$dir/work"
# The archive's script: logs "STEP cwd", exits with what the file exit-STEP says (default 0).
cat > "$dir/src/install" <<EOF
#!/bin/sh
echo "\$1 \$(pwd) \$FLEETCAST_SCRIPT_DIR \$(cat payload)" >> "$dir/log"
code=0
[ ! -e "$dir/exit-\$1" ] || code=\$(cat "$dir/exit-\$1")
echo "script says: step \$1 exit \$code" >&2
exit \$code
EOF
chmod +x "$dir/src/install"
echo payload-2.0 > "$dir/src/payload"
tar -cf "$dir/image.tar" -C "$dir/src" .
tar -czf "$dir/image.tar.gz" -C "$dir/src" .
tar -cJf "$dir/image.tar.xz" -C "$dir/src" .
export FLEETCAST_WORK_DIR="$dir/work" FLEETCAST_CAMPAIGN=c-1
unpacked=$dir/work/script/c-1
run() {  # STEP [IMAGE]: prints the exit code
    set +e
    FLEETCAST_IMAGE=${2:-} "$handler" "$1" < "${2:-/dev/null}" > "$dir/out" 2>&1
    rc=$?
    set -e
    echo $rc
}
last() { tail -n 1 "$dir/log"; }

for image in image.tar image.tar.gz image.tar.xz; do
    rm -f "$dir/log"
    check "$image: install" 0 "$(run install "$dir/$image")"
    check "$image: the script ran in its directory" "install $unpacked $unpacked payload-2.0" "$(last)"
done
check "install again (power cut) starts over" 0 "$(run install "$dir/image.tar.gz")"
check "one unpacked directory" "c-1" "$(ls "$dir/work/script")"
for step in activate verify commit rollback; do
    check "$step runs the script" 0 "$(run $step)"
    check "$step: the script got its step" "$step $unpacked $unpacked payload-2.0" "$(last)"
done
echo 10 > "$dir/exit-needs-reboot"
check "needs-reboot: the script's 10 (no reboot)" 10 "$(run needs-reboot)"
echo 4 > "$dir/exit-verify"
check "verify: the script's 4 (not running)" 4 "$(run verify)"
check "the script's stderr is the step's" "script says: step verify exit 4" "$(cat "$dir/out")"
echo 3 > "$dir/exit-install"
check "install: the script's 3 (no space)" 3 "$(run install "$dir/image.tar")"
rm -f "$dir/exit-install"
check "install after that" 0 "$(run install "$dir/image.tar")"
echo 1 > "$dir/exit-cleanup"
check "cleanup reports the script's failure" 1 "$(run cleanup)"
check "cleanup removed the unpacked archive all the same" no "$([ -e "$dir/work/script" ] && echo yes || echo no)"
check "cleanup again" 0 "$(run cleanup)"
check "a step without an unpacked update fails" 1 "$(run commit)"

printf 'not an archive' > "$dir/garbage"
check "install of a non-archive fails" 1 "$(run install "$dir/garbage")"
check "and leaves nothing" no "$([ -e "$dir/work/script" ] && echo yes || echo no)"
mkdir "$dir/noscript"
echo x > "$dir/noscript/readme"
tar -czf "$dir/noscript.tar.gz" -C "$dir/noscript" .
check "install of an archive without install script fails" 1 "$(run install "$dir/noscript.tar.gz")"
check "with a reason" "script: the archive has no executable install script at its top" "$(cat "$dir/out")"
check "a campaign id with a slash is refused" 1 "$(FLEETCAST_CAMPAIGN=../x run verify)"
check "unknown step fails" 1 "$(run format-disk)"
[ "$fails" = 0 ] || { echo "$fails checks failed"; exit 1; }
echo "all script handler checks passed"
