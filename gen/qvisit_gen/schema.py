"""A QAPI schema: its definitions, checked, and qapi-gen's C names."""

import os
import re

from .parser import Info, Parser, SchemaError  # noqa: F401 (Info: re-export)


C_WORDS = set('''auto break case char const continue default do double else
enum extern float for goto if int long register return short signed sizeof
static struct switch typedef union unsigned void volatile while inline
restrict _Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic
_Noreturn _Static_assert _Thread_local asm typeof bool catch class const_cast
delete dynamic_cast explicit false friend mutable namespace new operator
private protected public reinterpret_cast static_cast template this throw
true try typeid typename using virtual wchar_t and and_eq bitand bitor compl
not not_eq or or_eq xor xor_eq unix errno mips sparc i386 linux'''.split())


def c_name(name, protect=True):
    """A QAPI name as a C identifier, as qapi-gen spells it."""
    name = re.sub(r'[^A-Za-z0-9_]', '_', name)
    if protect and (name in C_WORDS or name[0].isdigit()):
        return 'q_' + name
    return name


def camel_to_upper(value):
    """CamelCase to CAMEL_CASE, with qapi-gen's rules for runs of capitals."""
    out = value[0]
    upper = value[0].isupper()
    for ch in value[1:]:
        if ch.isupper() != upper:
            if upper:
                if len(out) > 2 and out[-2].isalnum():
                    out = out[:-1] + '_' + out[-1]
            elif out[-1].isalnum():
                out += '_'
        out += ch
        upper = ch.isupper()
    return c_name(out.upper()).lstrip('_')


def c_enum_const(type_name, const_name, prefix=None):
    if prefix is None:
        prefix = camel_to_upper(type_name)
    return prefix + '_' + c_name(const_name, False).upper()


def ifcond_c(cond, parens=False):
    """An 'if' condition as a C preprocessor expression."""
    if cond is None:
        return ''
    if isinstance(cond, str):
        return 'defined(%s)' % cond
    (op, arg), = cond.items()
    if op == 'not':
        return '!' + ifcond_c(arg, True)
    text = (' && ' if op == 'all' else ' || ').join(
        ifcond_c(c, True) for c in arg)
    return '(' + text + ')' if parens else text


def ifcond_and(*conds):
    conds = [c for c in conds if c is not None]
    if not conds:
        return None
    if len(conds) == 1:
        return conds[0]
    return {'all': conds}


# Builtin types: C type, visit function suffix, QType of alternates, ASN.1.
BUILTINS = {
    'str': ('char *', 'str', 'QTYPE_QSTRING', 'UTF8String'),
    'number': ('double', 'number', 'QTYPE_QNUM', 'REAL'),
    'int': ('int64_t', 'int', 'QTYPE_QNUM',
            'INTEGER (-9223372036854775808..9223372036854775807)'),
    'int8': ('int8_t', 'int8', 'QTYPE_QNUM', 'INTEGER (-128..127)'),
    'int16': ('int16_t', 'int16', 'QTYPE_QNUM', 'INTEGER (-32768..32767)'),
    'int32': ('int32_t', 'int32', 'QTYPE_QNUM',
              'INTEGER (-2147483648..2147483647)'),
    'int64': ('int64_t', 'int64', 'QTYPE_QNUM',
              'INTEGER (-9223372036854775808..9223372036854775807)'),
    'uint8': ('uint8_t', 'uint8', 'QTYPE_QNUM', 'INTEGER (0..255)'),
    'uint16': ('uint16_t', 'uint16', 'QTYPE_QNUM', 'INTEGER (0..65535)'),
    'uint32': ('uint32_t', 'uint32', 'QTYPE_QNUM', 'INTEGER (0..4294967295)'),
    'uint64': ('uint64_t', 'uint64', 'QTYPE_QNUM',
               'INTEGER (0..18446744073709551615)'),
    'size': ('uint64_t', 'size', 'QTYPE_QNUM',
             'INTEGER (0..18446744073709551615)'),
    'bool': ('bool', 'bool', 'QTYPE_QBOOL', 'BOOLEAN'),
    'null': ('QNull *', 'null', 'QTYPE_QNULL', 'NULL'),
    'any': ('QObject *', 'any', None, None),
    'QType': ('QType', 'QType', 'QTYPE_QSTRING', None),
    # qvisit extension (docs/qvisit-gen.md): a byte string, as two C
    # members (NAME and NAME_len) and visit_type_bytes(); no QType, so
    # never an alternate branch.
    'bytes': ('uint8_t *', 'bytes', None, 'OCTET STRING'),
}

# qvisit extension: the types a member with a 'size' may have, and their
# element sizes (visit_type_sized_buffer()).
SIZED_ELEMENTS = {'bytes': 1, 'uint8': 1, 'uint16': 2, 'uint32': 4,
                  'uint64': 8}

SPECIAL_FEATURES = ('deprecated', 'unstable')
NAME_RE = re.compile(r'(__[a-z0-9.-]+_)?[a-z][a-z0-9_-]*$', re.IGNORECASE)


class Member:
    def __init__(self, name, typename, optional, ifcond, features, info,
                 size=None):
        self.name = name
        self.typename = typename
        self.type = None
        self.optional = optional
        self.ifcond = ifcond
        self.features = features
        self.info = info
        self.size = size            # fixed-size array dimensions, or None

    @property
    def c(self):
        return c_name(self.name)

    def c_names(self):
        """The C members this member takes in its struct."""
        if self.size is None and self.type.name == 'bytes':
            return [self.c, self.c + '_len']
        return [self.c]

    def elem_size(self):
        return SIZED_ELEMENTS[self.type.name]

    def byte_size(self):
        """The length of a fixed-size member's byte string."""
        n = self.elem_size()
        for d in self.size:
            n *= d
        return n

    def need_has(self):
        return self.optional and (isinstance(self.type, ArrayType)
                                  or self.size is not None
                                  or not self.type.c_type().endswith('*'))


class Variant:
    def __init__(self, name, typename, ifcond, info):
        self.name = name
        self.typename = typename
        self.type = None
        self.ifcond = ifcond
        self.info = info


class Entity:
    implicit = False
    builtin = False

    def __init__(self, name, info, module, ifcond, features):
        self.name = name
        self.info = info
        self.module = module
        self.ifcond = ifcond
        self.features = features

    def c_name(self):
        return c_name(self.name, False)


class BuiltinType(Entity):
    builtin = True

    def c_type(self):
        return BUILTINS[self.name][0]

    def visit_name(self):
        return BUILTINS[self.name][1]

    def qtype(self):
        return BUILTINS[self.name][2]


class EnumType(Entity):
    def __init__(self, name, info, module, ifcond, features, values, prefix):
        super().__init__(name, info, module, ifcond, features)
        self.values = values        # [(name, ifcond, features)]
        self.prefix = prefix
        self.builtin = name == 'QType'

    def c_type(self):
        return self.c_name()

    def visit_name(self):
        return self.c_name()

    def qtype(self):
        return 'QTYPE_QSTRING'

    def const(self, value):
        return c_enum_const(self.name, value, self.prefix)


class ObjectType(Entity):
    def __init__(self, name, info, module, ifcond, features, basename,
                 members, tag=None, variants=None, implicit=False):
        super().__init__(name, info, module, ifcond, features)
        self.basename = basename
        self.base = None
        self.local_members = members
        self.tag = tag              # discriminator member name
        self.variants = variants    # [Variant] or None
        self.implicit = implicit
        self.checked = False

    def c_type(self):
        return self.c_name() + ' *'

    def visit_name(self):
        return self.c_name()

    def qtype(self):
        return 'QTYPE_QDICT'

    def all_members(self):
        return (self.base.all_members() if self.base else []) + \
            self.local_members

    def tag_member(self):
        return next(m for m in self.all_members() if m.name == self.tag)


class AlternateType(Entity):
    def __init__(self, name, info, module, ifcond, features, variants):
        super().__init__(name, info, module, ifcond, features)
        self.variants = variants

    def c_type(self):
        return self.c_name() + ' *'

    def visit_name(self):
        return self.c_name()


class ArrayType(Entity):
    def __init__(self, element):
        super().__init__(element.name + 'List', element.info, element.module,
                         element.ifcond, [])
        self.element = element
        self.builtin = element.builtin

    def c_name(self):
        return self.element.c_name() + 'List'

    def c_type(self):
        return self.c_name() + ' *'

    def visit_name(self):
        return self.c_name()

    def qtype(self):
        return 'QTYPE_QLIST'


class Schema:
    """All definitions of one schema file and its includes, checked."""

    def __init__(self, fname):
        self.entities = {}          # name -> Entity
        self.order = []             # definitions in schema order
        self.arrays = {}            # element name -> ArrayType
        self.features = []          # custom feature names, first use order
        self.modules = []           # module paths, main first
        self.includes = {}          # module -> [included modules]
        self.main_dir = os.path.dirname(fname) or '.'
        for name in BUILTINS:
            self.entities[name] = BuiltinType(name, None, None, None, [])
        self.entities['QType'] = EnumType(
            'QType', None, None, None, [],
            [(v, None, []) for v in ('none', 'qnull', 'qnum', 'qstring',
                                     'qdict', 'qlist', 'qbool')], None)
        self.refs = []              # types commands and events use
        self._load(fname, None, set())
        for ent in self.order:
            self._check(ent)
        for ref, info, what in self.refs:
            self.resolve(ref, info, what)

    # -- reading ------------------------------------------------------------

    def _module(self, fname):
        rel = os.path.relpath(fname, self.main_dir)
        return None if not self.modules else os.path.splitext(rel)[0]

    def _load(self, fname, info, seen):
        path = os.path.normpath(fname)
        if path in seen:
            return
        seen.add(path)
        try:
            with open(fname, encoding='utf-8') as f:
                text = f.read()
        except OSError as e:
            raise SchemaError(info, "can't read %s: %s"
                              % (fname, e.strerror))
        module = self._module(fname)
        self.modules.append(module)
        self.includes[module] = []
        for expr, einfo in Parser(fname, text).expressions():
            if 'include' in expr:
                self._keys(expr, einfo, 'include', ('include',), ())
                inc = expr['include']
                if not isinstance(inc, str):
                    raise SchemaError(einfo, "value of 'include' must be a string")
                incpath = os.path.join(os.path.dirname(fname), inc)
                before = len(self.modules)
                self._load(incpath, einfo, seen)
                if len(self.modules) > before:
                    self.includes[module].append(self.modules[before])
                else:
                    for m in self.modules:
                        if m == self._module(incpath):
                            self.includes[module].append(m)
                continue
            self._define(expr, einfo, module)

    @staticmethod
    def _keys(expr, info, meta, required, optional):
        for key in required:
            if key not in expr:
                raise SchemaError(info, "%s misses key '%s'" % (meta, key))
        for key in expr:
            if key not in required and key not in optional:
                raise SchemaError(info, "%s has unknown key '%s'"
                                  % (meta, key))

    def _name(self, name, info, what):
        if not isinstance(name, str):
            raise SchemaError(info, '%s requires a string name' % what)
        if not NAME_RE.match(name):
            raise SchemaError(info, "%s has an invalid name '%s'"
                              % (what, name))
        return name

    def _ifcond(self, cond, info, what):
        if cond is None:
            return None
        if isinstance(cond, str):
            if not re.match(r'[A-Za-z_][A-Za-z0-9_]*$', cond):
                raise SchemaError(info, "'if' condition '%s' of %s is not a "
                                  "valid identifier" % (cond, what))
            return cond
        if not isinstance(cond, dict) or len(cond) != 1:
            raise SchemaError(info, "'if' condition of %s must be a string or "
                              "an object with one key" % what)
        (op, arg), = cond.items()
        if op == 'not':
            return {'not': self._ifcond(arg, info, what)}
        if op in ('all', 'any'):
            if not isinstance(arg, list) or not arg:
                raise SchemaError(info, "'if' condition '%s' of %s needs a "
                                  "non-empty list" % (op, what))
            return {op: [self._ifcond(c, info, what) for c in arg]}
        raise SchemaError(info, "'if' condition of %s has unknown operator "
                          "'%s'" % (what, op))

    def _features(self, feats, info, what):
        out = []
        if feats is None:
            return out
        if not isinstance(feats, list):
            raise SchemaError(info, "'features' of %s must be an array" % what)
        for f in feats:
            if isinstance(f, str):
                f = {'name': f}
            if not isinstance(f, dict):
                raise SchemaError(info, "feature of %s must be a string or an "
                                  "object" % what)
            self._keys(f, info, 'feature of ' + what, ('name',), ('if',))
            name = self._name(f['name'], info, 'feature of ' + what)
            if name in out:
                raise SchemaError(info, "%s has feature '%s' twice"
                                  % (what, name))
            self._ifcond(f.get('if'), info, what)
            out.append(name)
            if name not in SPECIAL_FEATURES and name not in self.features:
                self.features.append(name)
        return out

    def _member(self, key, value, info, what):
        optional = key.startswith('*')
        name = key[1:] if optional else key
        self._name(name, info, '%s member' % what)
        ifcond, feats, size = None, [], None
        mwhat = "member '%s' of %s" % (name, what)
        if isinstance(value, dict):
            self._keys(value, info, mwhat, ('type',),
                       ('if', 'features', 'size'))
            ifcond = self._ifcond(value.get('if'), info, "member '%s'" % name)
            feats = self._features(value.get('features'), info,
                                   "member '%s'" % name)
            if 'size' in value:
                size = self._size(value['size'], value['type'], info, mwhat)
            value = value['type']
        return Member(name, self._typeref(value, info, mwhat),
                      optional, ifcond, feats, info, size)

    @staticmethod
    def _size(size, typename, info, what):
        """The dimensions of a fixed-size member (qvisit extension)."""
        if not isinstance(typename, str) or typename not in SIZED_ELEMENTS:
            raise SchemaError(info, "%s has a 'size', so its type must be "
                              "one of %s" % (what, ', '.join(
                                  "'%s'" % t for t in SIZED_ELEMENTS)))
        dims = size if isinstance(size, list) else [size]
        if not dims or any(isinstance(d, bool) or not isinstance(d, int)
                           or d < 1 for d in dims):
            raise SchemaError(info, "'size' of %s must be a positive "
                              "integer or a non-empty array of them" % what)
        return dims

    def _typeref(self, value, info, what):
        if isinstance(value, list):
            if len(value) != 1 or not isinstance(value[0], str):
                raise SchemaError(info, '%s: array type must contain exactly '
                                  'one type name' % what)
            return [value[0]]
        if not isinstance(value, str):
            raise SchemaError(info, '%s should be a type name' % what)
        return value

    def _members(self, data, info, what):
        if not isinstance(data, dict):
            raise SchemaError(info, "'data' of %s must be an object" % what)
        out = []
        for key, value in data.items():
            out.append(self._member(key, value, info, what))
        return out

    def _add(self, ent):
        if ent.name in self.entities:
            other = self.entities[ent.name]
            where = 'at %s' % other.info if other.info else 'as a builtin type'
            raise SchemaError(ent.info, "'%s' is already defined %s"
                              % (ent.name, where))
        self.entities[ent.name] = ent
        self.order.append(ent)

    def _define(self, expr, info, module):
        metas = [m for m in ('enum', 'struct', 'union', 'alternate',
                             'command', 'event', 'pragma') if m in expr]
        if len(metas) != 1:
            raise SchemaError(info, 'expression must have exactly one of '
                              "'enum', 'struct', 'union', 'alternate', "
                              "'command', 'event', 'include', 'pragma'")
        meta = metas[0]
        expr = dict(expr)
        expr.pop('doc', None)
        if meta == 'pragma':
            return
        if meta in ('command', 'event'):
            # No QMP: of commands and events only the implicit type of
            # inline arguments is generated (into the types, as qapi-gen).
            name = self._name(expr[meta], info, meta)
            what = "%s '%s'" % (meta, name)
            data = expr.get('data')
            if isinstance(data, dict) and data:
                self._add(ObjectType(
                    'q_obj_%s-arg' % name, info, module,
                    self._ifcond(expr.get('if'), info, what), [], None,
                    self._members(data, info, what), implicit=True))
            for key in ('data', 'returns'):
                if isinstance(expr.get(key), (str, list)):
                    self.refs.append((self._typeref(expr[key], info, what),
                                      info, what))
            return
        name = self._name(expr[meta], info, meta)
        what = "%s '%s'" % (meta, name)
        ifcond = self._ifcond(expr.get('if'), info, what)
        feats = self._features(expr.get('features'), info, what)
        if meta == 'enum':
            self._keys(expr, info, what, ('enum', 'data'),
                       ('if', 'features', 'prefix'))
            if not isinstance(expr['data'], list):
                raise SchemaError(info, "'data' of %s must be an array" % what)
            values, seen = [], set()
            for v in expr['data']:
                vif, vfeats = None, []
                if isinstance(v, dict):
                    self._keys(v, info, 'value of ' + what, ('name',),
                               ('if', 'features'))
                    vif = self._ifcond(v.get('if'), info, 'value of ' + what)
                    vfeats = self._features(v.get('features'), info,
                                            'value of ' + what)
                    v = v['name']
                if not isinstance(v, str) or not re.match(
                        r'(__[a-z0-9.-]+_)?[A-Za-z0-9][A-Za-z0-9_.-]*$', v):
                    raise SchemaError(info, "%s has an invalid value '%s'"
                                      % (what, v))
                if c_name(v, False).upper() in seen:
                    raise SchemaError(info, "%s has value '%s' twice (or "
                                      "values that clash in C)" % (what, v))
                seen.add(c_name(v, False).upper())
                values.append((v, vif, vfeats))
            prefix = expr.get('prefix')
            if prefix is not None and not isinstance(prefix, str):
                raise SchemaError(info, "'prefix' of %s must be a string"
                                  % what)
            self._add(EnumType(name, info, module, ifcond, feats, values,
                               prefix))
        elif meta == 'struct':
            self._keys(expr, info, what, ('struct', 'data'),
                       ('if', 'features', 'base'))
            base = expr.get('base')
            if base is not None and not isinstance(base, str):
                raise SchemaError(info, "'base' of %s must be a type name"
                                  % what)
            self._add(ObjectType(name, info, module, ifcond, feats, base,
                                 self._members(expr['data'], info, what)))
        elif meta == 'union':
            self._keys(expr, info, what, ('union', 'base', 'discriminator',
                                          'data'), ('if', 'features'))
            base = expr['base']
            if isinstance(base, dict):
                implicit = ObjectType('q_obj_%s-base' % name, info, module,
                                      ifcond, [], None,
                                      self._members(base, info, what),
                                      implicit=True)
                self._add(implicit)
                base = implicit.name
            elif not isinstance(base, str):
                raise SchemaError(info, "'base' of %s must be a type name or "
                                  "an object" % what)
            tag = expr['discriminator']
            if not isinstance(tag, str):
                raise SchemaError(info, "'discriminator' of %s must be a "
                                  "member name" % what)
            if not isinstance(expr['data'], dict):
                raise SchemaError(info, "'data' of %s must be an object"
                                  % what)
            variants = []
            for bname, value in expr['data'].items():
                variants.append(self._variant(bname, value, info, what))
            self._add(ObjectType(name, info, module, ifcond, feats, base, [],
                                 tag, variants))
        elif meta == 'alternate':
            self._keys(expr, info, what, ('alternate', 'data'),
                       ('if', 'features'))
            if not isinstance(expr['data'], dict) or not expr['data']:
                raise SchemaError(info, "'data' of %s must be a non-empty "
                                  "object" % what)
            variants = [self._variant(b, v, info, what)
                        for b, v in expr['data'].items()]
            self._add(AlternateType(name, info, module, ifcond, feats,
                                    variants))

    def _variant(self, bname, value, info, what):
        self._name(bname, info, 'branch of ' + what)
        ifcond = None
        if isinstance(value, dict):
            self._keys(value, info, "branch '%s' of %s" % (bname, what),
                       ('type',), ('if',))
            ifcond = self._ifcond(value.get('if'), info, "branch '%s'" % bname)
            value = value['type']
        return Variant(bname, self._typeref(value, info, "branch '%s' of %s"
                                            % (bname, what)), ifcond, info)

    # -- checking -----------------------------------------------------------

    def resolve(self, ref, info, what):
        if isinstance(ref, list):
            elem = self.resolve(ref[0], info, what)
            if isinstance(elem, ArrayType):
                raise SchemaError(info, '%s: arrays of arrays are not '
                                  'supported' % what)
            if elem.name == 'bytes':
                raise SchemaError(info, "%s: arrays of 'bytes' are not "
                                  "supported (make the element a struct)"
                                  % what)
            if elem.name not in self.arrays:
                self.arrays[elem.name] = ArrayType(elem)
            return self.arrays[elem.name]
        ent = self.entities.get(ref)
        if ent is None:
            raise SchemaError(info, "%s uses unknown type '%s'" % (what, ref))
        return ent

    def _check(self, ent):
        if isinstance(ent, ObjectType):
            self._check_object(ent, [])
        elif isinstance(ent, AlternateType):
            what = "alternate '%s'" % ent.name
            qtypes = {}
            for var in ent.variants:
                var.type = self.resolve(var.typename, var.info,
                                        "branch '%s' of %s" % (var.name, what))
                t = var.type
                q = t.qtype() if not isinstance(t, AlternateType) else None
                if q is None:
                    raise SchemaError(var.info, "%s: branch '%s' cannot have "
                                      "type '%s'" % (what, var.name, t.name))
                # QEMU also refuses a str branch beside a number or bool
                # one (and enums whose values look like those) because its
                # keyval input reads every scalar as a string; qvisit has
                # no such input, so only equal QTypes clash here.
                if q in qtypes:
                    raise SchemaError(var.info, "%s: branch '%s' can't be "
                                      "distinguished from '%s'" %
                                      (what, var.name, qtypes[q]))
                qtypes[q] = var.name

    def _check_object(self, ent, stack):
        what = "'%s'" % ent.name
        if ent.checked:
            return
        if ent in stack:
            raise SchemaError(ent.info, 'object %s contains itself' % what)
        if ent.basename is not None:
            base = self.resolve(ent.basename, ent.info, 'base of ' + what)
            if not isinstance(base, ObjectType) or base.variants is not None:
                raise SchemaError(ent.info, "base '%s' of %s must be a struct"
                                  % (base.name, what))
            self._check_object(base, stack + [ent])
            ent.base = base
        seen = {}
        for m in ent.base.all_members() if ent.base else []:
            for c in m.c_names():
                seen[c] = "member '%s' of base '%s'" % (m.name, ent.base.name)
        for m in ent.local_members:
            m.type = self.resolve(m.typename, m.info, "member '%s' of %s"
                                  % (m.name, what))
            for c in m.c_names():
                if c in seen:
                    raise SchemaError(m.info, "member '%s' of %s collides "
                                      "with %s" % (m.name, what, seen[c]))
                seen[c] = "member '%s'" % m.name + (
                    '' if c == m.c else " (its length '%s')" % c)
        ent.checked = True
        if ent.variants is None:
            return
        tag = next((m for m in ent.all_members() if m.name == ent.tag), None)
        if tag is None:
            raise SchemaError(ent.info, "discriminator '%s' of union %s is "
                              "not a member of its base" % (ent.tag, what))
        if not isinstance(tag.type, EnumType) or tag.optional:
            raise SchemaError(ent.info, "discriminator '%s' of union %s must "
                              "be a mandatory enum member" % (ent.tag, what))
        names = [v[0] for v in tag.type.values]
        for var in ent.variants:
            if var.name not in names:
                raise SchemaError(var.info, "branch '%s' of union %s is not a "
                                  "value of %s" % (var.name, what,
                                                   tag.type.name))
            var.type = self.resolve(var.typename, var.info, "branch '%s' of "
                                    "union %s" % (var.name, what))
            if not isinstance(var.type, ObjectType):
                raise SchemaError(var.info, "branch '%s' of union %s must be "
                                  "a struct or a union" % (var.name, what))
            self._check_object(var.type, stack + [ent])
            for m in var.type.all_members():
                for c in m.c_names():
                    if c in seen:
                        raise SchemaError(var.info, "member '%s' of branch "
                                          "'%s' collides with %s of union %s"
                                          % (m.name, var.name, seen[c], what))

    # -- for the generators ---------------------------------------------------

    def module_entities(self, module):
        """Definitions of @module, each array type after its element."""
        out = []
        for ent in self.order:
            if ent.module != module:
                continue
            out.append(ent)
            if ent.name in self.arrays:
                out.append(self.arrays[ent.name])
        return out
