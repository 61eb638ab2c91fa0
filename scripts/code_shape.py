#!/usr/bin/env python3
"""Two checks on the shape of the Rust code under src/, approximate (a lexer
that knows comments, strings and braces, not a parser).

    code_shape.py functions [--over N] [FILE…]
        Functions longer than N lines (default 60), signature to closing
        brace, longest first. Default files: every .rs file under src/.

    code_shape.py cycles [--tests] [--facades] [SRC]
        Import circles: groups of modules that name each other, directly or
        through others, at the granularity of files (src/<module>/<file>.rs)
        and of top-level modules, with the lines that make each edge. An
        edge is a `use` line or an inline `crate::…`/`super::…` path (or
        `child::…` in a mod.rs), resolved through `pub use` re-exports to the
        file that defines the item. A mod.rs's `pub use child::…` is a
        facade, not an edge, unless --facades; code under #[cfg(test)] is
        left out unless --tests.

Exits 1 when it finds a long function or a circle.
"""
import os
import re
import sys


def blank_literals(src):
    """The source with comments, strings and char literals blanked out
    (newlines kept, so offsets and line numbers stay)."""
    out, i, n = [], 0, len(src)
    blank = lambda s: re.sub(r'[^\n]', ' ', s)
    while i < n:
        if src.startswith('//', i):
            j = src.find('\n', i)
            j = n if j < 0 else j
        elif src.startswith('/*', i):
            j = src.find('*/', i) + 2
        elif (m := re.match(r'b?r(#*)"', src[i:i + 10])) and not (i and (src[i - 1].isalnum() or src[i - 1] == '_')):
            end = '"' + m.group(1)
            j = src.find(end, i + len(m.group(0))) + len(end)
        elif src[i] == '"' or src.startswith('b"', i) and not (i and src[i - 1].isalnum()):
            j = i + (2 if src[i] == 'b' else 1)
            while src[j] != '"':
                j += 2 if src[j] == '\\' else 1
            j += 1
        elif src[i] == "'" and (m := re.match(r"'(\\.[^']*|[^'\\])'", src[i:i + 12])):
            j = i + len(m.group(0))
        else:
            out.append(src[i])
            i += 1
            continue
        out.append(blank(src[i:j]))
        i = j
    return ''.join(out)


def block_end(code, open_brace):
    """The offset of the brace closing the one at `open_brace`."""
    depth = 0
    for i in range(open_brace, len(code)):
        if code[i] == '{':
            depth += 1
        elif code[i] == '}':
            depth -= 1
            if depth == 0:
                return i
    return len(code)


def rust_files(root):
    for d, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith('.rs'):
                yield os.path.join(d, name)


# ---------------------------------------------------------------- functions

def long_functions(paths, over):
    found = []
    for path in paths:
        code = blank_literals(open(path).read())
        for m in re.finditer(r'\bfn\s+(\w+)', code):
            k = m.end()
            while k < len(code) and code[k] not in '{;':
                k += 1
            if k >= len(code) or code[k] == ';':
                continue
            start, end = code.count('\n', 0, m.start()), code.count('\n', 0, block_end(code, k))
            if end - start + 1 > over:
                found.append((end - start + 1, f'{path}:{start + 1}', m.group(1)))
    for length, where, name in sorted(found, reverse=True):
        print(f'{length:4d} {where} {name}')
    return found


# ---------------------------------------------------------------- cycles

USE = re.compile(r'(?m)^[ \t]*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);')

class Crate:
    def __init__(self, root, facades):
        self.facades = facades
        self.files = {}
        for path in rust_files(root):
            parts = os.path.relpath(path, root)[:-3].split('/')
            if parts[-1] == 'mod':
                parts = parts[:-1]
            if parts == ['main']:
                continue
            self.files[tuple([] if parts == ['lib'] else parts)] = path
        self.raw = {m: open(p).read() for m, p in self.files.items()}
        self.code = {m: blank_literals(t) for m, t in self.raw.items()}
        self.inline = {m: self._inline_modules(m) for m in self.files}
        self.reexports = {m: self._reexports(m) for m in self.files}
        self.edges = {}
        for m in self.files:
            self._collect_edges(m)

    def is_file(self, path):
        return tuple(path) in self.files

    def _inline_modules(self, m):
        code = self.code[m]
        return [(t.start(), block_end(code, t.end() - 1), t.group(1))
                for t in re.finditer(r'\bmod\s+(\w+)\s*\{', code)]

    def module_at(self, m, offset):
        return m + tuple(name for a, b, name in sorted(self.inline[m]) if a <= offset <= b)

    def uses(self, m):
        """(offset, is_pub, path segments, module it is written in) per imported path."""
        for u in USE.finditer(self.code[m]):
            here = self.module_at(m, u.start())
            for segs in use_tree(u.group(2)):
                yield u.start(), bool(u.group(1)), segs, here

    def absolute(self, here, segs):
        """The path from the crate root, or None for another crate's."""
        if segs[0] == 'crate':
            return segs[1:]
        if segs[0] == 'self':
            return list(here) + segs[1:]
        if segs[0] == 'super':
            base = list(here)
            while segs and segs[0] == 'super':
                base, segs = base[:-1], segs[1:]
            return base + segs
        if self.is_file(list(here) + [segs[0]]):
            return list(here) + segs
        return None

    def _reexports(self, m):
        out = {}
        for _, pub, segs, here in self.uses(m):
            path = self.absolute(here, segs) if pub and here == m else None
            if not path or path[-1] == '*':
                continue
            name, _, alias = path[-1].partition('@')
            out[alias or name] = path[:-1] + [name]
        return out

    def resolve(self, path, hops=0):
        """The file that defines the item a path names."""
        path = [p.split('@')[0] for p in path]
        module = []
        for i, seg in enumerate(path):
            if self.is_file(module + [seg]):
                module.append(seg)
                continue
            target = self.reexports.get(tuple(module), {}).get(seg)
            if target and hops < 10:
                return self.resolve(target + path[i + 1:], hops + 1)
            break
        return tuple(module)

    def _test_ranges(self, m):
        code, ranges = self.code[m], []
        for t in re.finditer(r'#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?(mod|fn|impl|use|struct|const)\b', code):
            brace, semi = code.find('{', t.end()), code.find(';', t.end())
            if semi != -1 and (brace == -1 or semi < brace):
                ranges.append((t.start(), semi))
            else:
                ranges.append((t.start(), block_end(code, brace)))
        return ranges

    def _collect_edges(self, m):
        code, raw_lines = self.code[m], self.raw[m].split('\n')
        parent = self.code.get(m[:-1], '') if m else ''
        test_file = bool(m) and re.search(r'#\[cfg\(test\)\]\s*mod\s+' + m[-1] + r'\s*;', parent)
        ranges = self._test_ranges(m)
        in_test = lambda offset: test_file or any(a <= offset <= b for a, b in ranges)
        use_spans = [(u.start(), u.end()) for u in USE.finditer(code)]
        in_use = lambda offset: any(a <= offset <= b for a, b in use_spans)

        def add(target, offset):
            line = code.count('\n', 0, offset) + 1
            if target != m:
                self.edges.setdefault((m, target), []).append(
                    (self.files[m], line, raw_lines[line - 1].strip(), in_test(offset)))

        for start, pub, segs, here in self.uses(m):
            path = self.absolute(here, segs)
            if path is None:
                continue
            if pub and not self.facades and len(path) > len(m) and tuple(path[:len(m)]) == m:
                continue
            add(self.resolve(path), start)
        for p in re.finditer(r'(?<![\w:])(?<!\(in )((?:crate|super)(?:::\w+)+)', code):
            if not in_use(p.start()):
                path = self.absolute(self.module_at(m, p.start()), p.group(1).split('::'))
                if path is not None:
                    add(self.resolve(path), p.start())
        children = [f[-1] for f in self.files if len(f) == len(m) + 1 and f[:len(m)] == m]
        for child in children:
            for p in re.finditer(r'(?<![\w:])' + child + r'::(\w+)', code):
                if not in_use(p.start()) and self.module_at(m, p.start()) == m:
                    add(self.resolve(list(m) + [child, p.group(1)]), p.start())


def use_tree(text):
    """`a::{b, c::{d as e}}` → [[a, b], [a, c, d@e]]."""
    text = re.sub(r'\s+', '', re.sub(r'\s+as\s+', '@', text))
    out = []

    def walk(prefix, tree):
        depth, item, items = 0, '', []
        for ch in tree:
            depth += (ch == '{') - (ch == '}')
            if ch == ',' and depth == 0:
                items.append(item)
                item = ''
            else:
                item += ch
        items += [item] if item else []
        for it in items:
            if '{' in it:
                brace = it.index('{')
                walk(prefix + [s for s in it[:brace].split('::') if s], it[brace + 1:-1])
            else:
                out.append(prefix + it.split('::'))

    walk([], text)
    return out


def strongly_connected(adjacency):
    """Tarjan's components of more than one node."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(adjacency.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(adjacency):
        if v not in index:
            visit(v)
    return groups


def print_cycles(crate, level, key, tests):
    name = lambda m: '::'.join(m) or 'lib'
    adjacency, evidence = {}, {}
    for (a, b), lines in crate.edges.items():
        lines = [e for e in lines if tests or not e[3]]
        if lines and key(a) != key(b):
            adjacency.setdefault(key(a), set()).add(key(b))
            evidence.setdefault((key(a), key(b)), []).extend(lines)
    groups = strongly_connected(adjacency)
    print(f'## {level}: {len(groups)} circle(s)')
    for group in groups:
        print('  ' + ' ↔ '.join(name(m) for m in group))
        for (a, b), lines in sorted(evidence.items()):
            if a in group and b in group:
                print(f'    {name(a)} → {name(b)}')
                for path, line, text, test in dict.fromkeys(lines):
                    print(f'        {path}:{line}: {text[:140]}{"  [test]" if test else ""}')
    return groups


def main(argv):
    if argv[:1] == ['functions']:
        over = int(argv[argv.index('--over') + 1]) if '--over' in argv else 60
        paths = [a for a in argv[1:] if a.endswith('.rs')] or list(rust_files('src'))
        return 1 if long_functions(paths, over) else 0
    if argv[:1] == ['cycles']:
        roots = [a for a in argv[1:] if not a.startswith('--')]
        crate = Crate(roots[0] if roots else 'src', '--facades' in argv)
        tests = '--tests' in argv
        found = print_cycles(crate, 'files', lambda m: m, tests)
        found += print_cycles(crate, 'top-level modules', lambda m: m[:1], tests)
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
