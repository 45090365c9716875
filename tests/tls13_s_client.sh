#!/bin/sh
# openssl s_client -tls1_3 against a real clipshared built with TLS 1.3 (the CI leg
# mbedtls36): the allowed client gets Info; a client without a certificate and one whose CN
# is not allowed are refused with alerts that openssl can read and name (not "bad record
# mac"), and the daemon logs each refusal as a warning with the address and CN. Then a TLS
# 1.2 client sends a text in full 16 KiB records, as every TLS 1.2 client may (the tests'
# mbedTLS client sends 8 KiB ones): the daemon must store it and ack it.
#   tests/tls13_s_client.sh BUILD/src/clipshared
set -eu
daemon=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
CLIPSHARE_PFX_PASSWORD=ci sh "$top/etc/make-certs.sh" -d "$dir/pki" phone eve >/dev/null 2>&1

# A free port: the daemon says so at once when it is not; then wait for its ready line.
for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    cat >"$dir/clipshared.toml" <<CONFIG
[server]
working_dir = "$dir"
allow_root = true
[plain]
enabled = false
[discovery]
enabled = false
[tls]
enabled = true
port = $port
certificate = "$dir/pki/server.crt"
private_key = "$dir/pki/server.key"
ca = "$dir/pki/ca.crt"
allowed_clients = ["phone"]
CONFIG
    "$daemon" -D -c "$dir/clipshared.toml" 2>"$dir/log" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && ! grep -q " ready " "$dir/log"; do sleep 0.05; done
    grep -q " ready " "$dir/log" && break
    wait "$pid" 2>/dev/null || true
    pid=
done
[ -n "$pid" ] || { echo "tls13_s_client: clipshared did not start:"; cat "$dir/log"; exit 1; }

failures=0
# check NAME EXPECTED_TEXT [s_client arguments...]: one Info request in v4.
check() {
    name=$1
    expected=$2
    shift 2
    printf '\004\175\001' | openssl s_client -connect "127.0.0.1:$port" -tls1_3 \
        -CAfile "$dir/pki/ca.crt" -quiet -ign_eof "$@" >"$dir/out" 2>"$dir/err" || true
    if grep -aq "$expected" "$dir/out" "$dir/err"; then
        echo "ok: $name: $(grep -ah "$expected" "$dir/out" "$dir/err" | head -n 1 | tr -d '\001')"
    else
        echo "FAILED: $name: expected '$expected'; got:"
        cat "$dir/out" "$dir/err"
        failures=$((failures + 1))
    fi
}
check "allowed client certificate" "clip_share" -cert "$dir/pki/phone.crt" -key "$dir/pki/phone.key"
check "no client certificate" "alert certificate required"
check "client certificate not allowed" "alert access denied" \
    -cert "$dir/pki/eve.crt" -key "$dir/pki/eve.key"

# Send Text in v4 with 48 KiB of text. s_client reads its input a full record at a time
# (16 KiB) from a file. The answers are three 01 bytes: the version, "go on" and the ack
# after storing.
{
    printf '\004\002\000\000\000\000\000\000\300\000'
    head -c 49152 /dev/zero | tr '\000' 'r'
} >"$dir/text.in"
openssl s_client -connect "127.0.0.1:$port" -tls1_2 -max_send_frag 16384 \
    -CAfile "$dir/pki/ca.crt" -cert "$dir/pki/phone.crt" -key "$dir/pki/phone.key" \
    -quiet -ign_eof <"$dir/text.in" >"$dir/out" 2>"$dir/err" || true
if [ "$(od -An -tx1 "$dir/out" | tr -d ' \n')" = "010101" ]; then
    echo "ok: TLS 1.2 client with 16 KiB records: text stored and acked"
else
    echo "FAILED: TLS 1.2 client with 16 KiB records: expected 01 01 01; got:"
    od -An -tx1 "$dir/out"
    cat "$dir/err"
    failures=$((failures + 1))
fi

for line in "CN=phone: TLS established (TLSv1.3" "warning: .*CN=(none): no client certificate" \
    "warning: .*CN=eve is not in allowed_clients"; do
    # The daemon logs as it goes: give it until the last client is done.
    n=0
    while ! grep -q "$line" "$dir/log" && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
    if grep -q "$line" "$dir/log"; then
        echo "ok: log: $(grep "$line" "$dir/log" | head -n 1)"
    else
        echo "FAILED: log has no line matching '$line':"
        cat "$dir/log"
        failures=$((failures + 1))
    fi
done
[ "$failures" -eq 0 ]
