#!/usr/bin/env python3
"""Compare the declarations of two generators' headers structurally.

Usage: compare-qapi-headers.py CPP DIR_A DIR_B [-DMACRO...]

For every types, visit and features .h under DIR_A and DIR_B (the same relative names must exist in
both), drop the #include lines, run the C preprocessor (with the given
-D options, so that 'if' conditions select the same declarations), and
split what remains into top-level declarations: typedefs, struct and enum
definitions, prototypes, inline functions, macro calls. Each is keyed by
the name it declares and compared token by token, so member order and
types must agree while comments, blank lines and the order of
declarations do not matter. Prints one line per difference; exit 1 if any.
"""

import os
import re
import subprocess
import sys

TOKEN = re.compile(r'[A-Za-z_][A-Za-z0-9_]*|\d+|"(?:[^"\\]|\\.)*"|\S')


def headers(top):
    out = []
    for d, _, files in os.walk(top):
        # Types, visitors and features: the rest is QMP, which qvisit lacks.
        out += [os.path.relpath(os.path.join(d, f), top)
                for f in files if f.endswith('.h') and
                re.search(r'qapi-(builtin-)?(types|visit|features)', f)]
    return sorted(out)


def declarations(cpp, path, defines):
    with open(path, encoding='utf-8') as f:
        text = ''.join(line for line in f
                       if not line.lstrip().startswith('#include'))
    # The macros (X_str) survive as text, before cpp removes them.
    macros = re.findall(r'^#define\s+(\w+)\((\w*)\)\s*\\?\s*\n?\s*(.*)$',
                        text, re.M)
    pre = subprocess.run(cpp.split() + ['-P', '-E', '-'] + defines,
                         input=text, capture_output=True, text=True,
                         check=True).stdout
    decls = {}
    for name, arg, body in macros:
        decls['#define ' + name] = '%s(%s) %s' % (name, arg, body.strip())
    tokens = TOKEN.findall(pre)
    cur, depth = [], 0
    for tok in tokens:
        cur.append(tok)
        if tok == '{':
            depth += 1
        elif tok == '}':
            depth -= 1
            # an inline function body ends its declaration
            if depth == 0 and cur[0] == 'static':
                add(decls, cur)
                cur = []
        elif tok == ';' and depth == 0:
            add(decls, cur)
            cur = []
        elif tok == ')' and depth == 0 and cur[0].startswith('G_DEFINE_'):
            add(decls, cur)
            cur = []
    if cur:
        add(decls, cur)
    return decls


def add(decls, toks):
    text = ' '.join(toks)
    if toks[0].startswith('G_DEFINE_'):
        key = text
    elif toks[0] == 'typedef':
        key = 'typedef ' + toks[-2]
        if toks[1] in ('struct', 'enum') and toks[2] != toks[-2]:
            key = 'typedef %s' % toks[-2]
    elif toks[0] in ('struct', 'enum') and len(toks) > 2 and toks[2] == '{':
        key = toks[0] + ' ' + toks[1]
    elif '(' in toks:
        key = toks[toks.index('(') - 1] + '()'
    else:
        key = text
    if key in decls and decls[key] != text:
        key += ' #2'
    decls[key] = text


def main(argv):
    cpp, dir_a, dir_b = argv[:3]
    defines = argv[3:]
    failed = 0
    ha, hb = headers(dir_a), headers(dir_b)
    for h in sorted(set(ha) ^ set(hb)):
        print('%s: only in %s' % (h, dir_a if h in ha else dir_b))
        failed += 1
    count = 0
    for h in sorted(set(ha) & set(hb)):
        da = declarations(cpp, os.path.join(dir_a, h), defines)
        db = declarations(cpp, os.path.join(dir_b, h), defines)
        for key in sorted(set(da) | set(db)):
            count += 1
            if da.get(key) != db.get(key):
                failed += 1
                print('%s: %s\n  %s: %s\n  %s: %s' % (
                    h, key, dir_a, da.get(key, '(missing)'),
                    dir_b, db.get(key, '(missing)')))
    print('%d headers, %d declarations compared, %d differ'
          % (len(set(ha) & set(hb)), count, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
