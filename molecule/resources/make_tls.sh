#!/usr/bin/env bash
# Test material only.
#   make_tls.sh DIR NAME=IP...            a throw-away CA (DIR/ca.pem) and, per host, DIR/NAME.pem holding the host's PKCS#8
#                                         key and its certificate (SAN: NAME and IP) followed by the CA: the PEM keystore
#                                         layout Kafka reads.
#   make_tls.sh --reissue DIR NAME=IP...  the same CA, a new key and certificate per host; the one it replaces is kept as
#                                         DIR/NAME.old.crt (a certificate rotation).
#   make_tls.sh --clients DIR NAME...     client certificates (subject OU=apps, CN=NAME) in DIR/clients: NAME.crt and NAME.key
#                                         from the CA above, and rogue-NAME.crt and rogue-NAME.key from another CA
#                                         (clients/rogue-ca.pem) that the cluster does not trust.
set -euo pipefail
mode=new
case ${1:-} in
  --reissue) mode=reissue; shift ;;
  --clients) mode=clients; shift ;;
esac
dir=$1
shift

# issue CA_PREFIX OUT_PREFIX SUBJECT EXTENSIONS: a 2048-bit key OUT_PREFIX.key and OUT_PREFIX.crt signed by CA_PREFIX.{pem,key}.
issue() {
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2.key" 2>/dev/null
  openssl req -new -key "$2.key" -subj "$3" -out "$2.csr" 2>/dev/null
  printf '%b' "$4" >"$2.ext"
  openssl x509 -req -in "$2.csr" -CA "$1.pem" -CAkey "$1.key" -CAcreateserial -days 7 -extfile "$2.ext" -out "$2.crt" 2>/dev/null
  rm -f "$2.csr" "$2.ext"
}

new_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 7 -subj "$2" 2>/dev/null
}

if [ "$mode" = new ]; then
  # New material every time: the containers' addresses change with each create.
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 700 "$dir"
fi
cd "$dir"
case $mode in
  new | reissue)
    [ "$mode" = new ] && new_ca ca "/CN=streamops test CA"
    for pair in "$@"; do
      name=${pair%%=*} ip=${pair#*=}
      if [ "$mode" = reissue ]; then mv "$name.crt" "$name.old.crt"; fi
      issue ca "$name" "/CN=$name" "subjectAltName=DNS:$name,IP:$ip\nextendedKeyUsage=serverAuth,clientAuth\n"
      cat "$name.key" "$name.crt" ca.pem >"$name.pem"
    done
    ;;
  clients)
    mkdir -p clients
    [ -f clients/rogue-ca.pem ] || new_ca clients/rogue-ca "/CN=not the cluster's CA"
    for name in "$@"; do
      issue ca "clients/$name" "/OU=apps/CN=$name" "extendedKeyUsage=clientAuth\n"
      issue clients/rogue-ca "clients/rogue-$name" "/OU=apps/CN=$name" "extendedKeyUsage=clientAuth\n"
    done
    ;;
esac
chmod 600 ./*.key ./*.pem
chmod 644 ca.pem
if [ -d clients ]; then chmod 600 clients/*.key; fi
