import json, random
random.seed(1807)
base = json.load(open('/tmp/gp/grammar_inputs.json'))
hand = [
 '', ' ', '  ', '\n', '\nfoo == 1', 'a ==\n\n1 and', '(', ')', '()', '(a == 1', 'a == 1)', '((a == 1)', '(a == 1))',
 'a == 1 and', 'a == 1 or', 'not', 'not ', 'not a', 'nota == 1', 'not(a == 1)', 'not (a == 1)', 'a == 1 and(b == 2)',
 'a == 1and b == 2', 'a==1', 'a!=1', 'a ==1', 'a== 1', 'a=1', 'a = 1', 'a === 1', 'a <> 1', 'a == "x" "y"',
 'a contains', 'a contains b', 'acontains b', 'a containsb', 'a not contains b', 'a notcontains b', 'a matches "^x$"',
 'a not matches `x`', 'a is empty', 'a isempty', 'a is  empty', 'a is not  empty', 'a is notempty', 'a is', 'a is not',
 '"x" in a', '"x" not in a', '"x" in', '"x" in 1', '1 in a', '-1 in a', '1.5 in a', 'x.y in a.b', 'a in b in c',
 'a == -', 'a == -0', 'a == 00', 'a == 01', 'a == 1.', 'a == .5', 'a == 1.5.5', 'a == 1e5', 'a == 0x10', 'a == -1.25',
 'a == 1)', '(a == 1)', '(a == 1) ', ' (a == 1)', ' ( a == 1 ) ', '(a == 1) and (b == 2)', '((a == 1) or (b == 2)) and c is empty',
 'a["x"] == 1', 'a[`x`] == 1', 'a[ "x" ] == 1', 'a["x"]["y"].z == 1', 'a.["x"] == 1', 'a[x] == 1', 'a[] == 1', 'a["x" ] == 1',
 'a["x"', 'a["x', 'a[`x', 'a == "x', 'a == `x', 'a == "x\\"', 'a == "x\\"y"', 'a == "\\n\\t\\u00e9\\x41\\101"',
 'a == "\\q"', "a == \"\\'\"", 'a == "\\u12"', 'a == "\\400"', 'a == "\\377"', 'a == "\\uD800"', 'a == `x\ry`',
 'a == "é"', 'é == 1', 'a.é == 1', 'a == é', 'a_b.c_1 == d_2', '_a == 1', '1a == 1', 'a.1 == 1', 'a . b == 1',
 'a == b.c', 'a == b["c d"]', 'a == true', 'a == not', 'not not not a == 1', 'not not (a == 1)', 'not (not a == 1)',
 'a == 1 or b == 2 and c == 3', 'a == 1 and b == 2 or c == 3', 'not a == 1 and b == 2', 'a == 1 or not b == 2',
 'a == 1 anda == 2', 'a == 1 or(b == 2)', 'a == 1 \t or \r\n b == 2', 'a ==\t1', 'a\t==\t1', 'a\r\n==\n1',
 'Service.Meta.env == prod', 'Checks.Status == passing', 'Node.Meta["rack"] == "r1"', 'ServiceTags contains "v1"',
 '"v1" in ServiceTags', 'ServiceMeta["k"] is not empty', 'ServiceName matches "^web-[0-9]+$"',
 'a == "\\\\"', 'a == ``', 'a == ""', '"" in a', '`` in a', 'a ==""', 'a==``', 'a in', 'in a', 'a not', 'a not in b',
 '(((((a == 1)))))', '((((a == 1))))) ', '(a == 1 and (b == 2 or (c == 3 and (d == 4))))', '(a == 1 and (b == 2', 'a == 1 and ()',
 'a == \x00', 'a\x00 == 1', 'a == "\x01"', '\ufeffa == 1', 'a == "😀"', '😀', 'a == 😀', 'a["😀"] == 1',
]
tokens = ['a', 'b.c', 'Meta["k"]', '"s"', '`r`', '1', '-2', '3.5', '==', '!=', 'in', 'not', 'contains', 'matches',
          'is', 'empty', 'and', 'or', '(', ')', '[', ']', '"', '`', '.', '-', ' ', '  ', '\t', '\n', 'x1', '0', '01']
rand = []
for _ in range(700):
    n = random.randint(1, 9)
    parts = [random.choice(tokens) for _ in range(n)]
    sep = random.choice(['', ' ', ' '])
    s = sep.join(parts)
    if s.count('(') <= 4: rand.append(s)
# structured random: valid-ish expressions with a random mutation
ops = ['==', '!=', 'contains', 'not contains', 'matches', 'not matches']
SELS=['a','b.c','d["e"]']
VALS=['1','x','"y z"','`w`','-0.5']
def gen(d):
    r = random.random()
    if d > 2 or r < 0.4:
        k = random.randint(0, 3)
        if k == 0: return random.choice(SELS) + ' ' + random.choice(ops) + ' ' + random.choice(VALS)
        if k == 1: return f'{random.choice(["a","b.c"])} is {random.choice(["", "not "])}empty'
        if k == 2: return random.choice(VALS) + ' ' + random.choice(["in","not in"]) + ' ' + random.choice(["a","b.c"])
        return f'not {gen(d+1)}'
    if r < 0.7: return f'{gen(d+1)} {random.choice(["and","or"])} {gen(d+1)}'
    return f'({gen(d+1)})'
for _ in range(400):
    s = gen(0)
    if random.random() < 0.6:
        i = random.randint(0, len(s))
        m = random.randint(0, 3)
        if m == 0: s = s[:i] + s[i+1:]
        elif m == 1: s = s[:i] + random.choice(['(', ')', '"', '`', ' ', '[', 'x', '=']) + s[i:]
        elif m == 2: s = s[:i]
        else: s = s[i:]
    if s.count('(') <= 5: rand.append(s)
seen = set(); out = []
for s in base + hand + rand:
    if s not in seen:
        seen.add(s); out.append(s)
json.dump(out, open('/tmp/gp/parse_corpus.json', 'w'))
print(len(out))
