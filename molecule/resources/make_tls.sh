#!/usr/bin/env bash
# make_tls.sh DIR NAME=IP...: a throw-away CA (DIR/ca.pem) and, per host, DIR/NAME.pem holding the host's PKCS#8 key and
# its certificate (SAN: NAME and IP) followed by the CA: the PEM keystore layout Kafka reads. Test material only.
set -euo pipefail
dir=$1
shift
# New material every time: the containers' addresses change with each create.
rm -rf "$dir"
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 7 -subj "/CN=streamops test CA" 2>/dev/null
for pair in "$@"; do
  name=${pair%%=*} ip=${pair#*=}
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key" 2>/dev/null
  openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,IP:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$name" "$ip" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  cat "$name.key" "$name.crt" ca.pem >"$name.pem"
  rm -f "$name.csr" "$name.ext"
done
chmod 600 ./*.key ./*.pem
chmod 644 ca.pem
