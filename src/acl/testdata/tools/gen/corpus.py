"""Seeded corpus of ACL rules texts and authorizer checks for tools/oracle (stdout: JSON requests).

Three kinds of requests:
- parse: rules in both syntaxes, HCL and JSON, valid and not (bad values, odd shapes, random
  character edits), for NewPolicyFromSource;
- translate: legacy rules and free-form HCL with comments, lists, heredocs and nesting, for
  TranslateLegacyRules (the hcl printer);
- authz: one to three random policies over a small, overlapping set of names, every check on
  names around them, with each parent (and none: the raw Allow/Deny/Default decisions).
"""
import json
import os
import random

rnd = random.Random(int(os.environ.get('SEED', '1807')))
SCALE = int(os.environ.get('SCALE', '1'))

CURRENT = ['acl', 'agent', 'agent_prefix', 'event', 'event_prefix', 'key', 'key_prefix', 'keyring', 'node',
           'node_prefix', 'operator', 'query', 'query_prefix', 'service', 'service_prefix', 'session', 'session_prefix']
LEGACY = ['agent', 'event', 'key', 'keyring', 'node', 'operator', 'query', 'service', 'session']
SCALARS = {'acl', 'keyring', 'operator'}
NAMES = ['', 'a', 'ab', 'abc', 'b', 'foo', 'foo/', 'foo/bar', 'foo/bar/baz', 'fo', 'football', 'web', 'web-1',
         'db', '*', 'x y', 'ünï', 'policy', 'key']
GOOD = ['read', 'write', 'deny']
ODD = ['list', 'READ', 'Write', 'DENY', '', 'nope', 'List']


def q(s):
    return json.dumps(s, ensure_ascii=False)


def policy_value(valid):
    if valid or rnd.random() < 0.75:
        return q(rnd.choice(GOOD))
    if rnd.random() < 0.05:
        return '{}'  # hcl.Decode indexes an empty list: Go panics
    return rnd.choice([q(rnd.choice(ODD)), '1', '0x10', 'true', '1.5', '<<EOF\nread\nEOF\n', '["read"]', '{ x = 1 }'])


def key_token(word):
    r = rnd.random()
    if r < 0.1:
        return word.upper()
    if r < 0.2:
        return q(word)
    return word


def hcl_rule(res, valid, indent):
    if res in SCALARS:
        return f'{key_token(res)} = {policy_value(valid)}'
    name = q(rnd.choice(NAMES))
    body = [f'{key_token("policy") if not valid else "policy"} = {policy_value(valid)}']
    if res.startswith('service') and rnd.random() < 0.4:
        body.append(f'intentions = {policy_value(valid)}')
    if rnd.random() < 0.1:
        body.append('sentinel { code = "main = rule { true }" enforcementlevel = "hard-mandatory" }')
    rnd.shuffle(body)
    shape = rnd.random()
    if shape < 0.35:
        return f'{key_token(res)} {name} {{ {" ".join(body)} }}'
    if shape < 0.45 and not valid:
        return f'{key_token(res)} = {{ {name} = {{ {" ".join(body)} }} }}'
    if shape < 0.5 and not valid:
        return rnd.choice([f'{res} {name} "extra" {{ {" ".join(body)} }}', f'{res} {name} = {policy_value(False)}',
                           f'{res} = [{{ {" ".join(body)} }}]', f'{res} {name} {name} {name} {{ {" ".join(body)} }}'])
    inner = '\n'.join(indent + b for b in body)
    return f'{key_token(res)} {name} {{\n{inner}\n}}'


def comment():
    return rnd.choice(['# a comment', '// another', '/* block */', '/* multi\n   line */', '#'])


def hcl_doc(resources, valid, n):
    parts = []
    for _ in range(n):
        if rnd.random() < 0.15:
            parts.append(comment())
        parts.append(hcl_rule(rnd.choice(resources), valid, rnd.choice(['  ', '\t', '    ', ''])))
        if rnd.random() < 0.1:
            parts[-1] += ' ' + rnd.choice(['# trailing', '// trailing'])
    return rnd.choice(['\n', '\n\n', '\n \n']).join(parts) + rnd.choice(['', '\n', '\n\n'])


def json_doc(resources, valid, n):
    doc = {}
    for _ in range(n):
        res = rnd.choice(resources)
        if res in SCALARS:
            doc[res] = rnd.choice(GOOD) if valid or rnd.random() < 0.7 else rnd.choice(ODD + [1, True, None])
            continue
        body = {'policy': rnd.choice(GOOD) if valid or rnd.random() < 0.7 else rnd.choice(ODD + [1, None, [], {}])}
        if res.startswith('service') and rnd.random() < 0.4:
            body['intentions'] = rnd.choice(GOOD)
        doc.setdefault(res, {})[rnd.choice(NAMES)] = body
    if not valid and rnd.random() < 0.3 and doc:
        k = rnd.choice(list(doc))
        if isinstance(doc[k], dict):
            doc[k] = [{n: v} for n, v in doc[k].items()]
    text = json.dumps(doc, indent=rnd.choice([None, 1, 2, '\t']), ensure_ascii=False)
    return text


def mutate(text):
    chars = list(text)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.random()
        i = rnd.randint(0, len(chars))
        if op < 0.4 and chars:
            del chars[min(i, len(chars) - 1)]
        else:
            chars.insert(i, rnd.choice(list('{}[]=",#/\n<-.:\\0$') + ['\x00', 'é', 'x', ' ']))
    return ''.join(chars)


HANDWRITTEN_PARSE = [
    '', ' ', '\n', '# only a comment', '{}', '{ }', '{"key": }', '{"key"', '{', '[]', 'acl', 'acl =', 'acl = ',
    'acl = "write"', 'acl = "list"', 'acl = "WRITE"', 'acl = write', 'acl = 1', 'acl "x" {}', 'acl = {}',
    'acl = "read" acl = "write"', 'key "a" {}', 'key "a" { policy = "list" }', 'key "a" { policy {} }',
    'key "a" { policy = "read" policy = "write" }', 'key "a" { policy = "read" } key "a" { policy = "deny" }',
    'key = { a = { policy = "read" } b = { policy = "write" } }', 'key "a" "b" { policy = "read" }',
    'key "a" "b" "c" { policy = "read" }', 'key "a" = "read"', 'key "policy" = "read"', 'key = "read"',
    'key = ["read"]', 'key = [{ policy = "read" }]', 'key "a" { policy = ["read"] }', 'KEY "a" { POLICY = "read" }',
    'revision = 1', 'revision = "1"', 'id = "x"', 'id = 1', 'id = true', 'service "a" { policy = "read" intentions = "list" }',
    'service "a" { intentions = "read" }', 'service "a" { policy = "WRITE" }', 'service_prefix "" { policy = "write" intentions = "nope" }',
    'key "a" { policy = <<EOF\nread\nEOF\n}', 'key "a" { policy = <<-EOF\n  read\n  EOF\n}', 'key "a\\tb" { policy = "read" }',
    'key "a" { policy = "re\\x61d" }', 'key "${a}" { policy = "read" }', 'key "a" { policy = "read" ', 'key "a" policy = "read" }',
    '{"key": {"a": {"policy": "read"}}, "key_prefix": [{"b": {"policy": "write"}}]}', '{"acl": null}', '{"acl": "write",}',
    '{"key": {"a": {"policy": "read"}} "x": 1}', '{"key": {"a\\/b": {"policy": "read"}}}', '{"key": {"a": {"policy": 01}}}',
    '{"key": {"a": {"policy": "\\u00"}}}', '{"key": [true, 1]}', '\f{"acl": "read"}', '\u00a0acl = "read"', 'acl = "read"\r\nkeyring = "write"\r\n',
    'key "a" { policy = "read" }\x00', 'key "a\u00e9" { policy = "read" }', '/* unterminated', 'acl = "unterminated',
    'key "a" { policy = 0159 }', 'key "a" { policy = 0x }', 'key "a" { policy = -1 }', 'a b = 1', '= 1', '{{}}',
    'key "a" { policy = "read" sentinel { code = "x" } }', 'agent "foo" { policy = "read" } node "" { policy = "list" }',
    'query "" { policy = "write" } query_prefix "" { policy = "read" } event "e" { policy = "deny" }',
    'session "s" { policy = "list" }', 'key "a\u00a0b\u200b" { policy = "x\u0085" }', 'keyring = "\u3000"',
    'key "\U0001F600" { policy = "\U0001F600" }', 'operator = ""', 'keyring = ""', 'keyring = "list"', 'operator = "nope"',
]


def parse_requests():
    reqs = []
    for text in HANDWRITTEN_PARSE + hcl_fixtures():
        for syntax in ('current', 'legacy'):
            reqs.append({'op': 'parse', 'syntax': syntax, 'rules': text})
    for i in range(450 * SCALE):
        syntax = 'legacy' if i % 3 == 0 else 'current'
        resources = LEGACY if syntax == 'legacy' or rnd.random() < 0.1 else CURRENT
        valid = rnd.random() < 0.4
        n = rnd.randint(1, 6)
        text = json_doc(resources, valid, n) if rnd.random() < 0.3 else hcl_doc(resources, valid, n)
        if rnd.random() < 0.2:
            text = mutate(text)
        reqs.append({'op': 'parse', 'syntax': syntax, 'rules': text})
    return reqs


def free_value(depth):
    r = rnd.random()
    if depth > 2 or r < 0.45:
        return rnd.choice(['"read"', '"write"', '1', '2.5', 'true', '"a\\nb"', '<<EOF\nline 1\n  line 2\nEOF\n',
                           '<<-EOT\n    indented\n    EOT\n', '"${var.x}"', '-3', '0x1F'])
    if r < 0.7:
        items = [free_value(depth + 1) for _ in range(rnd.randint(0, 3))]
        if rnd.random() < 0.5:
            return '[' + ', '.join(i for i in items if not i.startswith('<<')) + ']'
        lines = []
        for it in items:
            if rnd.random() < 0.3:
                lines.append('  ' + comment().replace('\n', ' '))
            lines.append('  ' + it + ',' + (' # c' if rnd.random() < 0.3 else ''))
        return '[\n' + '\n'.join(lines) + '\n]'
    return '{\n' + free_body(depth + 1) + '\n}'


def free_body(depth):
    lines = []
    for _ in range(rnd.randint(0, 4)):
        if rnd.random() < 0.25:
            lines.append(comment())
        key = rnd.choice(['policy', 'intentions', 'a', 'long_key_name', '"quoted"', 'key', 'service', 'node'])
        if rnd.random() < 0.3 and depth < 3:
            lines.append(f'{key} {q(rnd.choice(NAMES))} {{\n{free_body(depth + 1)}\n}}')
        else:
            line = f'{key} = {free_value(depth)}'
            if rnd.random() < 0.25:
                line += ' ' + rnd.choice(['# line', '// line', '/* c */'])
            lines.append(line)
        if rnd.random() < 0.3:
            lines.append('')
    return '\n'.join(lines)


HANDWRITTEN_TRANSLATE = [
    '', 'agent "" { policy = "read" }', 'key "" { policy = "deny" }', 'service "" { policy = "write" }',
    '"key" "a" { "policy" = "read" }', 'key "a" {}\nkey "b" {}', 'key "a" {}\n\nkey "b" {}',
    '# c\nkey "a" {\n  # lead\n  policy = "read" # line\n}\n# trailing', 'keyring = "write"\noperator = "read"',
    'a = 1\nbb = 2\nccc = 3', 'a = 1 # x\nbb = "two" # y', 'x {\n  a = 1\n  bb = 2\n\n  ccc = 3\n}',
    'x {\n  a = [1, 2]\n  b = [\n    1,\n    2, # two\n  ]\n}', 'x = <<EOF\n  keep\nEOF\n', 'x "y" "z" {\n  k = "v"\n}',
    '{"key": {"a": {"policy": "read"}}}', '{"keyring": "write", "key": {"a": {"policy": "read", "intentions": "x"}}}',
    '{"agent": {"": {"policy": "read"}}, "key": [{"a": {"policy": "write"}}, {"b": {"policy": "deny"}}]}',
    'key "a" { policy = ', 'key "a" {', '{"a": }', '/* c */ key "a" {}', 'service "x" {\n  key "k" { policy = "read" }\n}',
    'a = "multi\nline"', 'x {\n  // only a comment\n}', 'x {\n\n  # c1\n\n  a = 1\n  # c2\n}',
]


def sprinkle_comments(text):
    """Comments at random token boundaries: lead, line and standalone comments everywhere."""
    spots = [i for i, ch in enumerate(text) if ch in ' \n{[,='] + [len(text)]
    for i in sorted(rnd.sample(spots, min(len(spots), rnd.randint(1, 4))), reverse=True):
        c = rnd.choice([' # c\n', ' // c\n', ' /* c */ ', '\n# c\n', '\n\n/* c\n c */\n', '\n#\n#\n'])
        if text[i - 1:i] == '=' and c.startswith('\n'):
            c = ' /* c */ '
        text = text[:i] + c + text[i:]
    return text


def hcl_fixtures():
    """hashicorp/hcl's own parser and printer test inputs (HCL_FIXTURES: the package directory)."""
    root = os.environ.get('HCL_FIXTURES')
    if not root:
        return []
    texts = []
    for sub in ['hcl/printer/testdata', 'hcl/parser/test-fixtures', 'test-fixtures', 'json/parser/test-fixtures', 'json/test-fixtures']:
        d = os.path.join(root, sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(('.input', '.hcl', '.json')):
                texts.append(open(os.path.join(d, name), encoding='utf-8', errors='replace').read())
    return texts


def translate_requests():
    reqs = [{'op': 'translate', 'rules': t} for t in HANDWRITTEN_TRANSLATE + hcl_fixtures()]
    for i in range(250 * SCALE):
        r = rnd.random()
        if r < 0.35:
            text = hcl_doc(LEGACY, rnd.random() < 0.5, rnd.randint(1, 6))
        elif r < 0.5:
            text = json_doc(LEGACY, True, rnd.randint(1, 5))
        else:
            text = free_body(0)
        if rnd.random() < 0.4:
            text = sprinkle_comments(text)
        if rnd.random() < 0.1:
            text = mutate(text)
        reqs.append({'op': 'translate', 'rules': text})
    return reqs


AUTHZ_NAMES = ['', 'a', 'ab', 'abc', 'b', 'ba', 'foo', 'foo/', 'foo/bar', 'foo/bar/', 'foo/baz']
METHODS_WITH_ARG = ['agentRead', 'agentWrite', 'eventRead', 'eventWrite', 'intentionRead', 'intentionWrite', 'keyRead',
                    'keyList', 'keyWrite', 'keyWritePrefix', 'nodeRead', 'nodeWrite', 'preparedQueryRead',
                    'preparedQueryWrite', 'serviceRead', 'serviceWrite', 'sessionRead', 'sessionWrite']
METHODS_NO_ARG = ['aclRead', 'aclWrite', 'intentionDefaultAllow', 'keyringRead', 'keyringWrite', 'operatorRead',
                  'operatorWrite', 'snapshot']
SEGMENTS = ['', 'a', 'ab', 'abc', 'abcd', 'b', 'ba', 'c', 'f', 'fo', 'foo', 'foo/', 'foo/bar', 'foo/bar/', 'foo/bar/x',
            'foo/baz', 'foo/q', '*']


def authz_policy():
    lines = []
    for _ in range(rnd.randint(0, 8)):
        res = rnd.choice(CURRENT)
        if res in SCALARS:
            lines.append(f'{res} = {q(rnd.choice(GOOD))}')
            continue
        levels = GOOD + (['list'] if res.startswith('key') else [])
        body = f'policy = {q(rnd.choice(levels))}'
        if res.startswith('service') and rnd.random() < 0.5:
            body += f' intentions = {q(rnd.choice(GOOD))}'
        lines.append(f'{res} {q(rnd.choice(AUTHZ_NAMES))} {{ {body} }}')
    return {'syntax': 'current', 'rules': '\n'.join(lines)}


def authz_requests():
    checks = [[m] for m in METHODS_NO_ARG] + [[m, s] for m in METHODS_WITH_ARG for s in SEGMENTS]
    reqs = []
    for i in range(160 * SCALE):
        policies = [authz_policy() for _ in range(rnd.randint(1, 3))]
        if rnd.random() < 0.15:
            policies.append({'syntax': 'legacy', 'rules': hcl_doc(LEGACY, True, rnd.randint(1, 4))})
        parent = ['', 'allow', 'deny', 'manage'][i % 4]
        reqs.append({'op': 'authz', 'parent': parent, 'policies': policies, 'checks': checks})
    return reqs


if __name__ == '__main__':
    json.dump(parse_requests() + translate_requests() + authz_requests(), open('corpus.json', 'w'), ensure_ascii=False)
