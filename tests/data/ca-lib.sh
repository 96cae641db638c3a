# Sourced (POSIX sh) by tests/data/gen-linux-tls.sh and gen-x509.sh, which
# sign certificates with `openssl ca`; not a generator itself (no gen- prefix).
#   ca_setup OUTDIR   make OUTDIR, set $out to its absolute path, then enter a
#                     fresh temp folder $work (removed on exit) with newcerts/,
#                     and set OPENSSL_CONF=/dev/null (no system openssl.cnf)
#   ca_cnf [LINE...]  write ca.cnf: the [ ca ], [ ca_default ] (each LINE added
#                     at its end) and [ policy_any ] sections, and the CA
#                     extensions [ ext_root ] (a root) and [ ext_inter ] (an
#                     intermediate, pathlen 0); the caller appends its leaf
#                     extension sections

ca_setup() {
    mkdir -p "$1"
    out=$(cd "$1" && pwd)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    mkdir newcerts
    export OPENSSL_CONF=/dev/null
}

ca_cnf() {
    cat > ca.cnf <<'CNF'
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
CNF
    for line; do
        printf '%s\n' "$line" >> ca.cnf
    done
    cat >> ca.cnf <<'CNF'
[ policy_any ]
commonName = optional
organizationName = optional
[ ext_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ext_inter ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
}
