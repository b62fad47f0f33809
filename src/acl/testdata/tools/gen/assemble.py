"""Joins the corpus (corpus.json) and the oracle's answers (oracle.json) into the fixture."""
import json
import sys

reqs = json.load(open('corpus.json'))
resps = json.load(open('oracle.json'))
out = {'parse': [], 'translate': [], 'authz': {'checks': None, 'cases': []}}
LETTER = {'Allow': 'A', 'Deny': 'D', 'Default': '-'}
for req, resp in zip(reqs, resps, strict=True):
    answer = {k: resp[k] for k in ('policy', 'error', 'panic', 'output') if k in resp}
    if 'policy' in answer:  # only the fields that are set
        answer['policy'] = {k: v for k, v in answer['policy'].items() if v not in ('', [])}
    if req['op'] == 'parse':
        out['parse'].append({'syntax': req['syntax'], 'rules': req['rules'], **answer})
    elif req['op'] == 'translate':
        out['translate'].append({'rules': req['rules'], **answer})
    else:
        out['authz']['checks'] = req['checks']
        case = {'parent': req['parent'], 'policies': req['policies']}
        if 'decisions' in resp:
            case['decisions'] = ''.join(LETTER[d] for d in resp['decisions'])
        else:
            case.update(answer)
        out['authz']['cases'].append(case)
json.dump(out, open(sys.argv[1], 'w'), ensure_ascii=False, indent=0)
