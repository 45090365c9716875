#!/bin/sh
# make-certs.sh: make the certificates for clipshared's TLS service with openssl(1).
#
# usage: make-certs.sh [-d DIR] [-s SERVER_NAME] [-g GROUP] [-y DAYS] [-k ec|rsa] [-c rsa|ec] [NAME...]
#
# In DIR (default: the current directory) it creates what is missing of:
#   ca.key, ca.crt        a certificate authority that signs everything below.
#                         ca.crt goes to clipshared (tls.ca) and to every client device;
#                         keep ca.key private, it is only needed to make more certificates.
#   server.key, server.crt
#                         the server's key and certificate (tls.private_key and
#                         tls.certificate). Its CN, SERVER_NAME (default clipshare_server),
#                         is the name clients must list as a trusted server.
#   NAME.key, NAME.crt, NAME.pfx
#                         for each CLIENT_NAME: a client key and certificate with CN=NAME,
#                         bundled as PKCS#12 (NAME.pfx) for import into the ClipShare apps.
#                         NAME is also added to allowed_clients.txt (tls.allowed_clients).
#
# Modes, so that clipshared can read what it needs after giving up root:
#   ca.crt, server.crt, allowed_clients.txt, NAME.crt   0644 (public)
#   server.key   0640, group GROUP: -g GROUP, else the group "clipshare" when it exists
#                (the packages' service user), else 0600 (then only the owner reads it)
#   ca.key, NAME.key, NAME.pfx                          0600 (never needed by the daemon)
# Each run sets these modes again on the files it finds, and says what it did.
#
# Key types: -k for the server's key, ec (the default) or rsa; -c for the CA's and the
# clients' keys, rsa (the default) or ec. ec is ECDSA on the curve P-256; rsa is 3072 bits for
# the CA and 2048 for the others. The defaults are what makes a full TLS handshake cheapest for
# clipshared, which signs once with its own key and checks two signatures of the client's side
# (the CA's on the client certificate, the client's own): with mbedTLS an ECDSA signature
# costs much less than an RSA-2048 one, but checking an ECDSA signature costs 5 to 40 times
# more than checking an RSA one (bench/README.md). -k rsa -c rsa is the older all-RSA set;
# -k ec -c ec gives the smallest certificates. The key types only apply to the keys this run
# makes: clients added later are signed by the CA that exists, whatever its key type.
#
# Existing files are never overwritten: run it again with new names to add clients under the
# same CA. The PKCS#12 password is read from the environment variable CLIPSHARE_PFX_PASSWORD
# when set, else openssl asks for it. The .pfx files use the PBE-SHA1-3DES encryption and a
# SHA-1 MAC, the only PKCS#12 flavour that every Android version can import (Android 13 and
# older reject OpenSSL 3's AES default).
#
# Example:  make-certs.sh -d /etc/clipshare -s kitchen-router phone laptop
#
# Plain POSIX sh and openssl 1.1.1 or 3.x; nothing else.

set -eu

dir=.
server_name=clipshare_server
group=
days=825
server_type=ec
client_type=rsa

usage() {
    sed -n '4p' "$0" | sed 's/^# //' >&2
    exit 2
}

while getopts d:s:g:y:k:c:h option; do
    case $option in
        d) dir=$OPTARG ;;
        s) server_name=$OPTARG ;;
        g) group=$OPTARG ;;
        y) days=$OPTARG ;;
        k) server_type=$OPTARG ;;
        c) client_type=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))

# Names become file names and certificate subjects: keep them to a safe alphabet.
valid_name() {
    case $1 in
        '' | -* | *[!A-Za-z0-9._-]*) return 1 ;;
        *) return 0 ;;
    esac
}

for name in "$server_name" "$@"; do
    if ! valid_name "$name"; then
        echo "make-certs.sh: invalid name '$name' (use letters, digits, '.', '_' and '-')" >&2
        exit 2
    fi
done
# A client's files are NAME.key and NAME.crt: these names would be the CA's or the server's.
for name in "$@"; do
    case $name in
        ca | server | allowed_clients)
            echo "make-certs.sh: '$name' cannot be a client name (its files would be the" \
                "CA's or the server's)" >&2
            exit 2
            ;;
    esac
done
# Looked up in the group database (getent where there is one, else /etc/group: BusyBox).
group_exists() {
    if command -v getent >/dev/null 2>&1; then
        getent group "$1" >/dev/null 2>&1
    else
        grep -q "^$1:" /etc/group 2>/dev/null
    fi
}
if [ -n "$group" ]; then
    if ! group_exists "$group"; then
        echo "make-certs.sh: group '$group' does not exist" >&2
        exit 2
    fi
elif group_exists clipshare; then
    group=clipshare
fi
case $days in
    '' | *[!0-9]*) echo "make-certs.sh: -y needs a number of days" >&2; exit 2 ;;
esac
# key_args TYPE BITS: openssl req -newkey's argument for a key of TYPE (BITS for RSA).
key_args() {
    case $1 in
        ec) echo "ec -pkeyopt ec_paramgen_curve:P-256" ;;
        rsa) echo "rsa:$2" ;;
    esac
}
# key_usage TYPE: a TLS key of TYPE signs; an RSA one may also encrypt (RSA key exchange).
key_usage() {
    case $1 in
        ec) echo "digitalSignature" ;;
        rsa) echo "digitalSignature, keyEncipherment" ;;
    esac
}
for type in "$server_type" "$client_type"; do
    case $type in
        ec | rsa) ;;
        *) echo "make-certs.sh: -k and -c take ec or rsa" >&2; exit 2 ;;
    esac
done
ca_key=$(key_args "$client_type" 3072)
server_key=$(key_args "$server_type" 2048)
client_key=$(key_args "$client_type" 2048)
server_usage=$(key_usage "$server_type")
client_usage=$(key_usage "$client_type")
if ! command -v openssl >/dev/null 2>&1; then
    echo "make-certs.sh: openssl is not installed" >&2
    exit 1
fi

mkdir -p "$dir"
cd "$dir"
umask 077

# A private openssl configuration, so that the system's openssl.cnf (which differs between
# distributions and versions) adds no extensions of its own.
config=$(mktemp)
trap 'rm -f "$config" make-certs.csr' EXIT
cat >"$config" <<EOF
[req]
distinguished_name = subject
prompt = no
[subject]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $server_usage
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, $client_usage
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# sign CN FILE EXTENSIONS KEY: FILE.key (openssl req -newkey KEY) and FILE.crt with CN=CN,
# signed by the CA. The file name is separate from the CN so that a server may be called
# "server".
sign() {
    # shellcheck disable=SC2086 # $4 is one or three words
    openssl req -config "$config" -new -newkey $4 -nodes -keyout "$2.key" \
        -subj "/CN=$1" -out make-certs.csr 2>/dev/null
    openssl x509 -req -in make-certs.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
        -CAserial ca.srl -days "$days" -sha256 -extfile "$config" -extensions "$3" \
        -out "$2.crt" 2>/dev/null
    rm -f make-certs.csr
}

# set_mode MODE FILE WHY: chmod, and one line saying so.
set_mode() {
    chmod "$1" "$2"
    echo "  $2: $1 ($3)"
}

if [ ! -f ca.crt ] || [ ! -f ca.key ]; then
    if [ -f ca.crt ] || [ -f ca.key ]; then
        echo "make-certs.sh: only one of ca.crt and ca.key exists in $dir; refusing" >&2
        exit 1
    fi
    # shellcheck disable=SC2086 # $ca_key is one or three words
    openssl req -config "$config" -x509 -new -newkey $ca_key -nodes -keyout ca.key \
        -subj "/CN=clipshare_ca" -days 3650 -sha256 -extensions ca_ext -out ca.crt 2>/dev/null
    echo "created ca.crt ($client_type; keep ca.key private)"
fi

if [ ! -f server.crt ] && [ ! -f server.key ]; then
    sign "$server_name" server server_ext "$server_key"
    echo "created server.crt and server.key ($server_type, CN=$server_name)"
fi

clients=
for name in "$@"; do
    if [ -f "$name.crt" ] || [ -f "$name.key" ] || [ -f "$name.pfx" ]; then
        echo "$name: exists, skipped"
        continue
    fi
    clients="$clients $name"
    sign "$name" "$name" client_ext "$client_key"
    # Unquoted on purpose: empty, or two words.
    passout=
    if [ -n "${CLIPSHARE_PFX_PASSWORD+set}" ]; then
        passout="-passout env:CLIPSHARE_PFX_PASSWORD"
    fi
    # shellcheck disable=SC2086
    openssl pkcs12 -export -in "$name.crt" -inkey "$name.key" -certfile ca.crt -name "$name" \
        -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -out "$name.pfx" $passout
    if ! grep -qx "$name" allowed_clients.txt 2>/dev/null; then
        echo "$name" >>allowed_clients.txt
    fi
    echo "created $name.pfx (for the client device), $name.crt and $name.key"
done

# The modes, set on every run so that files made by an older version get them too.
echo "modes in $(pwd):"
set_mode 644 ca.crt "public: clipshared and every client need it"
[ -f server.crt ] && set_mode 644 server.crt "public"
[ -f allowed_clients.txt ] && set_mode 644 allowed_clients.txt "read by clipshared"
set_mode 600 ca.key "keep private: only needed to make more certificates"
if [ -f server.key ]; then
    if [ -n "$group" ]; then
        chgrp "$group" server.key
        set_mode 640 server.key "group $group reads it: run clipshared as a member"
    else
        set_mode 600 server.key "readable by its owner only"
        echo "make-certs.sh: warning: no group 'clipshare' and no -g GROUP: if clipshared" \
            "gives up root ([server] user), it cannot read server.key; run again with -g" >&2
    fi
fi
for name in $clients; do
    set_mode 644 "$name.crt" "public"
    set_mode 600 "$name.key" "for the client device only"
    set_mode 600 "$name.pfx" "for the client device only"
done
