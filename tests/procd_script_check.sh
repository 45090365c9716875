#!/bin/sh
# procd_script_check.sh SCRIPT: runs the OpenWrt procd init script's functions against stub
# versions of rc.common's procd helpers (there is no procd here) and checks what it asks
# procd to do: the command line, the user, respawn, limits, the watched file, the working_dir
# it creates, and that restart and reload refuse a config that `clipshared -t` rejects.
# The stubs are called by the sourced script, which shellcheck cannot see.
# shellcheck disable=SC2317,SC2034
set -u
script=$1
# Under /tmp: the script creates a missing working_dir only in RAM (/var or /tmp).
tmp=$(mktemp -d /tmp/procd-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() {
    echo "FAIL: $*" >&2
    status=1
}

# A clipshared stand-in: -t fails when the config holds "broken".
cat >"$tmp/clipshared" <<'STUB'
#!/bin/sh
case "$1" in
    -t) ! grep -q broken "$3" ;;
esac
STUB
chmod +x "$tmp/clipshared"
work="$tmp/var-like/lib/clipshare"
printf '[server]\nworking_dir = "%s"\nuser = "clipshare"\n' "$work" >"$tmp/clipshared.toml"

# run EXISTS ACTION: sources the script with the helpers stubbed, then calls ACTION.
# EXISTS says whether user_exists finds the service user.
run() {
    (
        procd_open_instance() { echo "open_instance"; }
        procd_close_instance() { echo "close_instance"; }
        procd_set_param() { echo "param $*"; }
        procd_send_signal() { echo "signal $*"; }
        procd_add_reload_trigger() { echo "reload_trigger $*"; }
        user_exists() { [ "$1" = clipshare ] && [ "$exists" = yes ]; }
        chown() { echo "chown $*"; }
        stop() { echo "stopped"; }
        start() { echo "started"; }
        exists=$1
        # shellcheck disable=SC1090
        . "$script"
        PROG=$tmp/clipshared
        CONFIG=$tmp/clipshared.toml
        "$2"
    )
}

out=$(run yes start_service)
echo "$out" | grep -qx "param command $tmp/clipshared -D -c $tmp/clipshared.toml" ||
    fail "the command is not clipshared -D -c CONFIG: $out"
echo "$out" | grep -qx "param user clipshare" || fail "no procd_set_param user clipshare"
echo "$out" | grep -qx "param respawn 3600 5 5" || fail "no respawn"
echo "$out" | grep -qx "param limits nofile=4096 4096" || fail "no descriptor limit"
echo "$out" | grep -qx "param file $tmp/clipshared.toml" || fail "the config file is not watched"
echo "$out" | grep -qx "param stderr 1" || fail "stderr does not go to logd"
[ -d "$work" ] || fail "working_dir $work was not created"
echo "$out" | grep -qx "chown clipshare:clipshare $work" || fail "working_dir not given to the user"

rm -rf "$tmp/var-like"
out=$(run no start_service)
echo "$out" | grep -q "param user" && fail "procd_set_param user for a user that does not exist"

out=$(run yes service_triggers)
echo "$out" | grep -qx "reload_trigger clipshared" || fail "no reload trigger"

out=$(run yes reload_service)
echo "$out" | grep -qx "signal clipshared \* HUP" || fail "reload does not send SIGHUP: $out"
out=$(run yes restart)
[ "$(echo "$out" | tr '\n' ' ')" = "stopped started " ] || fail "restart: $out"

echo broken >>"$tmp/clipshared.toml"
out=$(run yes restart 2>&1) && fail "restart succeeded with a broken config"
echo "$out" | grep -q stopped && fail "restart stopped the daemon for a broken config"
out=$(run yes reload_service 2>&1) && fail "reload succeeded with a broken config"
echo "$out" | grep -q signal && fail "reload signalled for a broken config"

[ "$status" -eq 0 ] && echo "procd script: ok"
exit "$status"
