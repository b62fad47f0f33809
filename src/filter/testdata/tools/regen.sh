#!/bin/sh
# Regenerates src/filter/testdata/*.json from the real Go code. Needs Go, Python 3 and Debian's
# golang-github-hashicorp-go-bexpr-dev 0.1.2 (Consul 1.8.7's go.mod version) and
# golang-github-hashicorp-consul-dev 1.8.7 sources; consul-http.json also needs a reference
# `consul agent -dev` on 127.0.0.50:31500 with the services registered as in gen/http_capture.py's
# header comment. Run from this directory. Nothing here is part of the build.
set -eu
HERE=$(pwd)
GP=/tmp/gp
OUT=${OUT:-$HERE/..}
mkdir -p $GP/src/github.com/hashicorp $GP/src/oracle $GP/src/extract $GP/src/strconvdump $GP/gen
cd $GP
[ -d bexpr ] || (mkdir bexpr && cd bexpr && apt-get download golang-github-hashicorp-go-bexpr-dev && dpkg-deb -x ./*.deb x)
ln -sfn $GP/bexpr/x/usr/share/gocode/src/github.com/hashicorp/go-bexpr src/github.com/hashicorp/go-bexpr
ln -sfn /var/cache/muster-ref/consuldev/usr/share/gocode/src/github.com/hashicorp/consul src/github.com/hashicorp/consul
export GO111MODULE=off GOPATH=$GP:/usr/share/gocode
cp $HERE/extract/main.go src/extract/ && cp $HERE/oracle/*.go src/oracle/ && cp $HERE/strconvdump/main.go src/strconvdump/ && cp $HERE/gen/*.py gen/
(cd src/extract && go run . $GP/src/github.com/hashicorp/consul/agent/structs Node ServiceNode HealthCheck CheckServiceNode NodeService NodeServices > $GP/structs_extract.go)
(cd src/oracle && (printf 'package main\n\nimport (\n"time"\n"github.com/hashicorp/consul/types"\n)\nvar _ = time.Second\nvar _ types.NodeID\n'; cat $GP/structs_extract.go) > structs.go && go build -o $GP/oracle .)
$GP/oracle fields > $OUT/go-bexpr-fields.json && cp $OUT/go-bexpr-fields.json $GP/fields.json
# go-bexpr's own evaluate_test.go tables
rm -rf src/bexprcopy && mkdir -p src/bexprcopy && cp $GP/bexpr/x/usr/share/gocode/src/github.com/hashicorp/go-bexpr/*.go src/bexprcopy/ && cp $HERE/bexpr-tables/dump_test.go src/bexprcopy/
(cd src/bexprcopy && go test -run TestDumpEvaluate . >/dev/null)
python3 -c "import json; d=[g for g in json.load(open('$GP/evaluate_tests.json')) if g['name']!='Interface Implementor']; json.dump(d, open('$OUT/go-bexpr-evaluate.json','w'), indent=1, ensure_ascii=False)"
# parser corpus (grammar_test.go inputs + hand-written + seeded random)
python3 - <<'PY'
import re, json
src = open('/tmp/gp/bexpr/x/usr/share/gocode/src/github.com/hashicorp/go-bexpr/grammar_test.go').read()
out = []
for m in re.finditer(r'input:\s*("(?:[^"\\]|\\.)*"|`[^`]*`)', src):
    lit = m.group(1)
    out.append(lit[1:-1] if lit.startswith('`') else json.loads(lit))
json.dump(out, open('/tmp/gp/grammar_inputs.json', 'w'))
PY
python3 gen/parse_corpus.py && $GP/oracle parse < parse_corpus.json > $OUT/go-bexpr-parse.json
python3 gen/re_corpus.py && $GP/oracle regexp < re_corpus.json > re_oracle.json
python3 -c "import json; d=json.load(open('re_oracle.json')); json.dump({'inputs': d[0]['inputs'], 'cases': [{k: v for k, v in c.items() if k != 'inputs'} for c in d]}, open('$OUT/go-regexp.json', 'w'), ensure_ascii=False, indent=0)"
python3 gen/eval_corpus.py && $GP/oracle < eval_corpus.jsonl > eval_oracle.jsonl
python3 -c "import json; json.dump({'data': json.load(open('eval_data.json')), 'cases': [json.loads(l) for l in open('eval_oracle.jsonl')]}, open('$OUT/consul-types-oracle.json', 'w'), indent=0, ensure_ascii=False)"
(cd src/strconvdump && go run . > $OUT/go-strconv.json)
# Needs the reference Consul running with the registrations described in gen/http_capture.py:
# python3 gen/http_capture.py && cp http_capture.json $OUT/consul-http.json
