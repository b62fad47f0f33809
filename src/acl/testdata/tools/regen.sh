#!/bin/sh
# Regenerates src/acl/testdata/*.json from Consul 1.8.7's own acl package. Needs Go, Python 3,
# the Consul 1.8.7 sources under /var/cache/muster-ref (../../../../../shared/tools/reference-consul.sh)
# and Debian's golang-github-hashicorp-hcl-dev 1.0.0 (the hcl version Consul 1.8.7 uses).
# blake2b (only used for a merged policy's ID, which no test reads) is swapped for sha256.
# Run from this directory. Nothing here is part of the build.
set -eu
HERE=$(pwd)
GP=${GP:-/tmp/gp-acl}
OUT=${OUT:-$HERE/..}
CONSUL=/var/cache/muster-ref/consuldev/usr/share/gocode/src/github.com/hashicorp/consul
mkdir -p $GP/src/github.com/hashicorp $GP/src/github.com/armon $GP/src/oracle $GP/dump
cd $GP
[ -d hcl ] || (mkdir hcl && cd hcl && apt-get download golang-github-hashicorp-hcl-dev && dpkg-deb -x ./*.deb x)
ln -sfn $GP/hcl/x/usr/share/gocode/src/github.com/hashicorp/hcl src/github.com/hashicorp/hcl
ln -sfn /usr/share/gocode/src/github.com/armon/go-radix src/github.com/armon/go-radix
rm -rf src/github.com/hashicorp/consul && mkdir -p src/github.com/hashicorp/consul/acl
cp $CONSUL/acl/*.go src/github.com/hashicorp/consul/acl/
sed -i 's#"golang.org/x/crypto/blake2b"#"crypto/sha256"#; s#blake2b.New256(nil)#sha256.New(), error(nil)#' src/github.com/hashicorp/consul/acl/policy_merger.go
export GO111MODULE=off GOFLAGS= GOPATH=$GP:/usr/share/gocode GOCACHE=$GP/gocache
# Consul's test tables, run through dumpTable
cp $HERE/acl-tables/dump_test.go src/github.com/hashicorp/consul/acl/
python3 - <<'PY'
import re
d = '/tmp/gp-acl/src/github.com/hashicorp/consul/acl/'
for file, func, name in [('acl_test.go', 'TestACL', 'acl'), ('acl_test.go', 'TestACLEnforce', 'enforce'),
                         ('policy_authorizer_test.go', 'TestPolicyAuthorizer', 'policy_authorizer'),
                         ('policy_authorizer_test.go', 'TestAnyAllowed', 'any_allowed'),
                         ('policy_authorizer_test.go', 'TestAllAllowed', 'all_allowed'),
                         ('policy_test.go', 'TestPolicySourceParse', 'policy_source_parse'),
                         ('policy_test.go', 'TestMergePolicies', 'merge_policies'),
                         ('policy_test.go', 'TestPrecedence', 'precedence'),
                         ('authorizer_test.go', 'TestACL_Enforce', 'acl_enforce')]:
    src = open(d + file).read()
    start = src.index(f'func {func}(t *testing.T)')
    m = re.compile(r'\n\tfor [^\n]*:= range (\w+) \{').search(src, start)
    src = src[:m.start()] + f'\n\tdumpTable("{name}", {m.group(1)})' + src[m.start():]
    open(d + file, 'w').write(src)
PY
(cd src/github.com/hashicorp/consul/acl && ACL_DUMP_DIR=$GP/dump go test -count=1 . >/dev/null)
python3 -c "
import json, os
d = '$GP/dump'
json.dump({f[:-5]: json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d))}, open('$OUT/consul-1.8.7-acl-tables.json', 'w'), indent=0, ensure_ascii=False)"
# The oracle over the seeded corpus
cp $HERE/oracle/main.go src/oracle/ && (cd src/oracle && go build -o $GP/oracle .)
HCL_FIXTURES=$GP/hcl/x/usr/share/gocode/src/github.com/hashicorp/hcl python3 $HERE/gen/corpus.py && $GP/oracle < corpus.json > oracle.json
python3 $HERE/gen/assemble.py $OUT/consul-1.8.7-oracle.json
