"""The ASN.1 module of a Schema, as docs/ber-mapping.md maps QAPI types."""

import os
import re

from .schema import (BUILTINS, AlternateType, ArrayType, BuiltinType,
                     EnumType, SchemaError)


ASN1_RESERVED = set("""ABSENT ABSTRACT-SYNTAX ALL APPLICATION AUTOMATIC BEGIN
BIT BMPString BOOLEAN BY CHARACTER CHOICE CLASS COMPONENT COMPONENTS
CONSTRAINED CONTAINING DEFAULT DEFINITIONS EMBEDDED ENCODED END ENUMERATED
EXCEPT EXPLICIT EXPORTS EXTENSIBILITY EXTERNAL FALSE FROM IDENTIFIER
IMPLICIT IMPLIED IMPORTS INCLUDES INSTANCE INTEGER INTERSECTION MAX MIN
MINUS-INFINITY NULL OBJECT OCTET OF OPTIONAL PATTERN PDV PLUS-INFINITY
PRESENT PRIVATE REAL RELATIVE-OID SEQUENCE SET SIZE STRING SYNTAX TAGS TRUE
TYPE-IDENTIFIER UNION UNIQUE UNIVERSAL WITH ANY DEFINED""".split())

QTYPE_NUMBERS = {'QTYPE_QNULL': 1, 'QTYPE_QNUM': 2, 'QTYPE_QSTRING': 3,
                 'QTYPE_QDICT': 4, 'QTYPE_QLIST': 5, 'QTYPE_QBOOL': 6}


def asn1_words(name):
    return [w for w in re.split(r'[^A-Za-z0-9]+', name) if w]


def asn1_typeref(name):
    """A QAPI type name as an ASN.1 type reference: 'Foo-bar-baz'."""
    text = '-'.join(asn1_words(name))
    if not text[0].isalpha():
        text = 'T-' + text
    text = text[0].upper() + text[1:]
    return text + '-T' if text in ASN1_RESERVED else text


def asn1_identifier(name):
    """A QAPI member or enum value name as an ASN.1 identifier."""
    text = '-'.join(asn1_words(name))
    if not text[0].isalpha():
        return 'v-' + text
    return text[0].lower() + text[1:]


def ifcond_true(cond, defined):
    if cond is None:
        return True
    if isinstance(cond, str):
        return cond in defined
    (op, arg), = cond.items()
    if op == 'not':
        return not ifcond_true(arg, defined)
    results = [ifcond_true(c, defined) for c in arg]
    return all(results) if op == 'all' else any(results)


class Asn1Gen:
    """The ASN.1 module of a schema, for one set of defined conditions."""

    def __init__(self, schema, prefix, fname, defined, tasn1):
        self.schema = schema
        self.prefix = prefix
        self.defined = set(defined)
        self.tasn1 = tasn1
        self.module = asn1_typeref(os.path.splitext(
            os.path.basename(fname))[0])
        self.names = {}         # ASN.1 name -> QAPI name, for clashes
        self.defs = []          # [(asn1 name, text, names it depends on)]
        self.emitted = set()

    def on(self, cond):
        return ifcond_true(cond, self.defined)

    def claim(self, name, qapi_name, info):
        owner = self.names.setdefault(name, qapi_name)
        if owner != qapi_name:
            raise SchemaError(info, "'%s' and '%s' are both '%s' in ASN.1"
                              % (owner, qapi_name, name))

    def ref(self, ent):
        """The ASN.1 type reference for @ent, defining it when first used."""
        if isinstance(ent, ArrayType):
            name = asn1_typeref(ent.element.name + 'List')
        else:
            name = asn1_typeref(ent.name)
        self.claim(name, ent.name, ent.info)
        if name not in self.emitted:
            self.emitted.add(name)
            self.define(ent, name)
        return name

    def type_text(self, ent, deps):
        """ASN.1 text for a value of type @ent (untagged)."""
        if isinstance(ent, BuiltinType):
            text = BUILTINS[ent.name][3] or 'ANY'
            if text == 'REAL':
                deps.add('REAL')
            return text
        name = self.ref(ent)
        deps.add(name)
        return name

    def components(self, members, deps):
        comps, k = [], 0
        for m in members:
            if not self.on(m.ifcond):
                continue
            text = self.type_text(m.type, deps)
            if m.size is not None:
                text = 'OCTET STRING (SIZE (%d))' % m.byte_size()
            ident = asn1_identifier(m.name)
            if isinstance(m.type, AlternateType) or text == 'ANY':
                # ASN.1 allows no implicit tag on a CHOICE (or an ANY).
                comp = '%s [%d] EXPLICIT %s' % (ident, k, text)
            elif m.optional:
                comp = '%s [%d] %s' % (ident, k, text)
            else:
                comp = '%s %s' % (ident, text)
            comps.append(comp + (' OPTIONAL' if m.optional else ''))
            k += 1
        return comps

    def sequence(self, name, members, info, owner):
        deps = set()
        self.claim(name, owner, info)
        comps = self.components(members, deps)
        if not comps:
            deps.add('EMPTY')
            body = 'SEQUENCE { }'
        else:
            body = 'SEQUENCE {\n    ' + ',\n    '.join(comps) + ' }'
        self.defs.append((name, '%s ::= %s\n' % (name, body), deps))

    def expand(self, obj):
        """[(name suffix, members in visit order)] of each shape of @obj."""
        base = obj.base.all_members() if obj.base else []
        base += obj.local_members
        if obj.variants is None:
            return [('', base)]
        tag = obj.tag_member()
        by_name = {v.name: v for v in obj.variants if self.on(v.ifcond)}
        out = []
        for value, vif, _ in tag.type.values:
            if not self.on(vif):
                continue
            var = by_name.get(value)
            shapes = self.expand(var.type) if var else [('', [])]
            for suffix, members in shapes:
                out.append(('-' + asn1_identifier(value) + suffix,
                            base + members))
        return out

    def define(self, ent, name):
        if isinstance(ent, EnumType):
            values = [v for v, vif, _ in ent.values if self.on(vif)]
            deps = set() if values else {'EMPTY'}
            body = ', '.join('%s(%d)' % (asn1_identifier(v), i)
                             for i, v in enumerate(values))
            self.defs.append((name, '%s ::= ENUMERATED { %s }\n'
                              % (name, body), deps))
        elif isinstance(ent, ArrayType):
            deps = set()
            elem = self.type_text(ent.element, deps)
            self.defs.append((name, '%s ::= SEQUENCE OF %s\n' % (name, elem),
                              deps))
        elif isinstance(ent, AlternateType):
            deps, comps = set(), []
            for var in ent.variants:
                if not self.on(var.ifcond):
                    continue
                comps.append('%s [%d] %s' % (
                    asn1_identifier(var.name),
                    QTYPE_NUMBERS[var.type.qtype()],
                    self.type_text(var.type, deps)))
            self.defs.append((name, '%s ::= CHOICE {\n    %s }\n' % (
                name, ',\n    '.join(comps)), deps))
        elif ent.variants is None:
            self.sequence(name, ent.all_members(), ent.info, ent.name)
        else:
            shapes = self.expand(ent)
            names = [name + suffix for suffix, _ in shapes]
            self.defs.append((name, (
                '-- %s: a flat union. Its members after the base depend on '
                "'%s',\n-- so where it is used they are opaque; decode it as "
                'one of\n-- %s.\n%s ::= SEQUENCE OF ANY\n'
                % (ent.name, ent.tag, ', '.join(names), name)), set()))
            for suffix, members in shapes:
                self.sequence(name + suffix, members, ent.info,
                              ent.name + suffix)

    def left_out_for_tasn1(self):
        """{name: why} of the definitions libtasn1 cannot parse."""
        left_out = {}
        changed = True
        while changed:
            changed = False
            for name, _, deps in self.defs:
                if name in left_out:
                    continue
                why = None
                if 'REAL' in deps:
                    why = 'libtasn1 has no REAL'
                elif 'EMPTY' in deps:
                    why = 'libtasn1 rejects an empty SEQUENCE or ENUMERATED'
                else:
                    why = next(('it uses %s' % d for d in sorted(deps)
                                if d in left_out), None)
                if why:
                    left_out[name] = why
                    changed = True
        return left_out

    def text(self):
        for ent in self.schema.order:
            if ent.implicit or not self.on(ent.ifcond):
                continue
            self.ref(ent)
            if ent.name in self.schema.arrays:
                self.ref(self.schema.arrays[ent.name])
        left_out = self.left_out_for_tasn1() if self.tasn1 else {}
        out = ('-- AUTOMATICALLY GENERATED by qvisit-gen DO NOT MODIFY\n'
               "-- The types of the QAPI schema as qvisit's BER, CER and DER "
               'visitors\n-- encode them (docs/ber-mapping.md). Conditions '
               'defined: %s.\n' % (', '.join(sorted(self.defined)) or 'none'))
        if self.tasn1:
            out += '-- For libtasn1: the types it cannot parse are left out.\n'
        out += '\n%s DEFINITIONS IMPLICIT TAGS ::= BEGIN\n' % self.module
        for name, text, _ in self.defs:
            if name in left_out:
                out += '\n-- %s: left out, %s\n' % (name, left_out[name])
            else:
                out += '\n' + text
        return out + '\nEND\n'

    def files(self):
        return {self.prefix + 'qapi.asn': self.text()}
