#!/usr/bin/env python3
"""Decode our DER with pyasn1 and libtasn1 through qvisit-gen's ASN.1 module.

Usage: asn1-crosscheck.py MODULE.asn TASN1-MODULE.asn DUMPDIR

DUMPDIR is what tests/qvgen-dump wrote: N.der, N.cer, N.json, index.tsv.
For every sample, pyasn1 (its DER decoder on N.der and CER decoder on
N.cer, with specs built from MODULE.asn) and libtasn1's asn1Decoding
(strict DER, with TASN1-MODULE.asn, for the types that module keeps) must
decode the encoding, consume it whole, and give the field
values of N.json: names as docs/ber-mapping.md maps them, enums by name,
alternates by their branch's value, OCTET STRINGs (with their SIZE) as
the bytes of the JSON's base64. A member whose module type is a flat
union (SEQUENCE OF ANY) is compared only as present. Prints one line per
check; exit 1 if any failed.
"""

import base64
import json
import math
import re
import subprocess
import sys

from pyasn1.codec.cer import decoder as cer_decoder
from pyasn1.codec.der import decoder
from pyasn1.type import char, constraint, namedtype, namedval, tag, univ

TOKEN = re.compile(r'--[^\n]*|::=|\.\.|[A-Za-z][A-Za-z0-9-]*|-?\d+|\S')


def asn1_name(name, type_ref):
    """docs/ber-mapping.md: words joined by '-', case of the first letter."""
    text = '-'.join(w for w in re.split(r'[^A-Za-z0-9]+', name) if w)
    if type_ref:
        if not text[0].isalpha():
            text = 'T-' + text
        return text[0].upper() + text[1:]
    if not text[0].isalpha():
        return 'v-' + text
    return text[0].lower() + text[1:]


# ---- the module ------------------------------------------------------------

class Module:
    """The subset of ASN.1 that qvisit-gen writes, parsed into nodes:
    ('ref', name) ('prim', kind) ('seq', [comp]) ('seqof', node)
    ('choice', [comp]) ('enum', {number: name}); comp = (name, tagno,
    explicit, optional, node)."""

    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            self.toks = [t for t in TOKEN.findall(f.read())
                         if not t.startswith('--')]
        self.pos = 0
        self.types = {}
        self.name = self.take()
        for word in ('DEFINITIONS', 'IMPLICIT', 'TAGS', '::=', 'BEGIN'):
            self.expect(word)
        while self.peek() != 'END':
            name = self.take()
            self.expect('::=')
            self.types[name] = self.type()

    def peek(self):
        return self.toks[self.pos]

    def take(self):
        self.pos += 1
        return self.toks[self.pos - 1]

    def expect(self, tok):
        got = self.take()
        if got != tok:
            raise ValueError('module: expected %s, got %s' % (tok, got))

    def constraint(self):
        """Skip a constraint; return its text (None without one)."""
        if self.peek() == '(':
            depth, toks = 0, []
            while True:
                t = self.take()
                toks.append(t)
                depth += {'(': 1, ')': -1}.get(t, 0)
                if depth == 0:
                    return ' '.join(toks)
        return None

    def type(self):
        t = self.take()
        if t == 'SEQUENCE' and self.peek() == 'OF':
            self.take()
            return ('seqof', self.type())
        if t in ('SEQUENCE', 'CHOICE'):
            return ('seq' if t == 'SEQUENCE' else 'choice', self.comps())
        if t == 'ENUMERATED':
            self.expect('{')
            values = {}
            while self.peek() != '}':
                name = self.take()
                self.expect('(')
                values[int(self.take())] = name
                self.expect(')')
                if self.peek() == ',':
                    self.take()
            self.take()
            return ('enum', values)
        if t == 'OCTET':
            self.expect('STRING')
            size = re.match(r'\( SIZE \( (\d+) \) \)$',
                            self.constraint() or '')
            return ('prim', 'OCTET STRING', int(size.group(1)) if size else None)
        if t in ('INTEGER', 'BOOLEAN', 'UTF8String', 'REAL', 'NULL', 'ANY'):
            self.constraint()
            return ('prim', t)
        return ('ref', t)

    def comps(self):
        self.expect('{')
        comps = []
        while self.peek() != '}':
            name = self.take()
            tagno, explicit, optional = None, False, False
            if self.peek() == '[':
                self.take()
                tagno = int(self.take())
                self.expect(']')
                if self.peek() == 'EXPLICIT':
                    self.take()
                    explicit = True
            node = self.type()
            if self.peek() == 'OPTIONAL':
                self.take()
                optional = True
            comps.append((name, tagno, explicit, optional, node))
            if self.peek() == ',':
                self.take()
        self.take()
        return comps

    def resolve(self, node):
        while node[0] == 'ref':
            node = self.types[node[1]]
        return node


# ---- pyasn1 ------------------------------------------------------------------

PRIMS = {'INTEGER': univ.Integer, 'BOOLEAN': univ.Boolean,
         'UTF8String': char.UTF8String, 'REAL': univ.Real, 'NULL': univ.Null,
         'ANY': univ.Any}


def spec(module, node):
    node = module.resolve(node)
    kind = node[0]
    if kind == 'prim' and node[1] == 'OCTET STRING':
        if node[2] is None:
            return univ.OctetString()
        return univ.OctetString(subtypeSpec=constraint.ValueSizeConstraint(
            node[2], node[2]))
    if kind == 'prim':
        return PRIMS[node[1]]()
    if kind == 'enum':
        return univ.Enumerated(namedValues=namedval.NamedValues(
            *[(n, v) for v, n in sorted(node[1].items())]))
    if kind == 'seqof':
        return univ.SequenceOf(componentType=spec(module, node[1]))
    named = []
    for name, tagno, explicit, optional, sub in node[1]:
        s = spec(module, sub)
        if tagno is not None:
            if explicit:
                s = s.subtype(explicitTag=tag.Tag(
                    tag.tagClassContext, tag.tagFormatConstructed, tagno))
            else:
                s = s.subtype(implicitTag=tag.Tag(
                    tag.tagClassContext, tag.tagFormatSimple, tagno))
        named.append((namedtype.OptionalNamedType if optional
                      else namedtype.NamedType)(name, s))
    cls = univ.Sequence if kind == 'seq' else univ.Choice
    return cls(componentType=namedtype.NamedTypes(*named))


OPAQUE = object()


def from_pyasn1(module, node, value):
    node = module.resolve(node)
    kind = node[0]
    if kind == 'prim':
        t = node[1]
        if t == 'INTEGER':
            return int(value)
        if t == 'BOOLEAN':
            return bool(value)
        if t == 'UTF8String':
            return str(value)
        if t == 'REAL':
            return float(value)
        if t == 'NULL':
            return None
        if t == 'OCTET STRING':
            return bytes(value)
        return OPAQUE
    if kind == 'enum':
        return ('enum', node[1][int(value)])
    if kind == 'seqof':
        if module.resolve(node[1]) == ('prim', 'ANY'):
            return OPAQUE        # a flat union where it is used
        return [from_pyasn1(module, node[1], v) for v in value]
    comps = {c[0]: c[4] for c in node[1]}
    if kind == 'choice':
        name = value.getName()
        return from_pyasn1(module, comps[name], value.getComponent())
    out = {}
    for name in comps:
        if value[name].isValue:
            out[name] = from_pyasn1(module, comps[name], value[name])
    return out


# ---- libtasn1 ----------------------------------------------------------------

def tasn1_tree(text):
    """asn1Decoding's printed structure as nested (name, type, value, kids)."""
    root = None
    stack = []
    body = text.split('DECODING RESULT:', 1)[-1]
    for line in body.splitlines():
        m = re.match(r'( *)name:(\S+)  type:(\S+)(?:  value:(.*))?$', line)
        if not m:
            if stack and stack[-1][2] is not None:
                stack[-1][2] += '\n' + line   # a string value with newlines
            continue
        depth = len(m.group(1)) // 2
        node = [m.group(2), m.group(3), m.group(4), []]
        del stack[depth:]
        if stack:
            stack[-1][3].append(node)
        else:
            root = node
        stack.append(node)
    return root


def from_tasn1(module, node, tree):
    node = module.resolve(node)
    kind = node[0]
    _, ttype, value, kids = tree
    if kind == 'prim':
        t = node[1]
        if t == 'INTEGER':
            return int.from_bytes(bytes.fromhex(value[2:]), 'big', signed=True)
        if t == 'BOOLEAN':
            return value == 'TRUE'
        if t == 'UTF8String':
            return value if value is not None else ''
        if t == 'NULL':
            return None
        if t == 'OCTET STRING':
            return bytes.fromhex(value or '')
        return OPAQUE
    if kind == 'enum':
        return ('enum', node[1][int.from_bytes(bytes.fromhex(value[2:]),
                                               'big', signed=True)])
    if kind == 'seqof':
        elems = [k for k in kids if k[0] != 'NULL']   # first: the template
        if module.resolve(node[1]) == ('prim', 'ANY'):
            return OPAQUE
        return [from_tasn1(module, node[1], k) for k in elems]
    comps = {c[0]: c[4] for c in node[1]}
    if kind == 'choice':
        return from_tasn1(module, comps[kids[0][0]], kids[0])
    return {k[0]: from_tasn1(module, comps[k[0]], k) for k in kids}


# ---- comparison ----------------------------------------------------------------

def same(decoded, expected):
    """Whether a decoded value carries the field values of the JSON."""
    if decoded is OPAQUE:
        return expected is not None
    if isinstance(decoded, tuple):
        return isinstance(expected, str) and \
            asn1_name(expected, False) == decoded[1]
    if isinstance(decoded, dict):
        if not isinstance(expected, dict):
            return False
        want = {asn1_name(k, False): v for k, v in expected.items()}
        return set(want) == set(decoded) and \
            all(same(decoded[k], want[k]) for k in want)
    if isinstance(decoded, list):
        return isinstance(expected, list) and len(decoded) == len(expected) \
            and all(same(d, e) for d, e in zip(decoded, expected))
    if isinstance(decoded, bytes):
        # JSON: base64 (sized buffers: their elements big-endian).
        return isinstance(expected, str) and \
            base64.b64decode(expected, validate=True) == decoded
    if isinstance(decoded, bool) or isinstance(expected, bool):
        return decoded is expected
    if isinstance(decoded, float) and expected == 0 and \
            math.copysign(1, expected) < 0:
        # pyasn1 (0.6.3) reads X.690's MINUS-ZERO (8.5.9: contents 43)
        # as -inf; nothing else encodes to 43.
        return decoded == 0 and math.copysign(1, decoded) < 0 or \
            decoded == -math.inf
    return decoded == expected


def main(argv):
    module, tasn1 = Module(argv[0]), Module(argv[1])
    dump = argv[2]
    failed = checks = 0
    with open(dump + '/index.tsv', encoding='utf-8') as f:
        index = [line.rstrip('\n').split('\t') for line in f]
    for n, qapi_type, asn1_type in index:
        name = asn1_type if asn1_type != '-' else asn1_name(qapi_type, True)
        with open('%s/%s.der' % (dump, n), 'rb') as f:
            der = f.read()
        with open('%s/%s.json' % (dump, n), encoding='utf-8') as f:
            want = json.load(f)
        with open('%s/%s.cer' % (dump, n), 'rb') as f:
            cer = f.read()
        results = []
        for tool, dec, data in (('pyasn1 DER', decoder, der),
                                ('pyasn1 CER', cer_decoder, cer)):
            try:
                value, rest = dec.decode(data, asn1Spec=spec(
                    module, ('ref', name)))
                got = from_pyasn1(module, ('ref', name), value)
                results.append((tool, not rest and same(got, want), got))
            except Exception as e:  # a decoder error is a failed check
                results.append((tool, False, 'error: %s' % e))
        if name in tasn1.types:
            run = subprocess.run(
                ['asn1Decoding', '-s', argv[1], '%s/%s.der' % (dump, n),
                 '%s.%s' % (tasn1.name, name)],
                capture_output=True, text=True, check=False)
            tree = tasn1_tree(run.stdout)
            ok = run.returncode == 0 and tree is not None
            got = from_tasn1(tasn1, ('ref', name), tree) if ok else \
                run.stdout + run.stderr
            results.append(('libtasn1', ok and same(got, want), got))
        for tool, ok, got in results:
            checks += 1
            if ok:
                print('ok: %s decodes sample %s as %s' % (tool, n, name))
            else:
                failed += 1
                print('FAIL: %s: sample %s as %s: got %r, want %r'
                      % (tool, n, name, got, want))
    print('%d checks, %d failed' % (checks, failed))
    return 1 if failed or not checks else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
