"""The QAPI schema language: JSON with single-quoted strings and comments."""

class SchemaError(Exception):
    def __init__(self, info, msg):
        super().__init__('%s: %s' % (info, msg) if info else msg)


class Info:
    """Where a definition is: file and line, for error messages."""

    def __init__(self, fname, line):
        self.fname = fname
        self.line = line

    def __str__(self):
        return '%s:%d' % (self.fname, self.line)


# ---------------------------------------------------------------------------
# The schema language: JSON with single-quoted strings and '#' comments.
# ---------------------------------------------------------------------------

class Parser:
    def __init__(self, fname, text):
        self.fname = fname
        self.text = text
        self.pos = 0
        self.line = 1

    def info(self):
        return Info(self.fname, self.line)

    def error(self, msg):
        raise SchemaError(self.info(), msg)

    def skip_space(self):
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c == '\n':
                self.line += 1
                self.pos += 1
            elif c in ' \t\r':
                self.pos += 1
            elif c == '#':
                end = text.find('\n', self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                break

    def peek(self):
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ''

    def expect(self, c):
        if self.peek() != c:
            got = self.peek() or 'end of file'
            self.error("expected '%s', got '%s'" % (c, got))
        self.pos += 1

    def string(self):
        self.expect("'")
        out = []
        while True:
            if self.pos >= len(self.text):
                self.error('missing terminating "\'"')
            c = self.text[self.pos]
            self.pos += 1
            if c == "'":
                return ''.join(out)
            if c == '\n':
                self.error('missing terminating "\'"')
            if c == '\\':
                if self.pos >= len(self.text):
                    self.error('missing terminating "\'"')
                c = self.text[self.pos]
                self.pos += 1
                if c not in "\\/'":
                    self.error("unknown escape \\%s" % c)
            if not ' ' <= c <= '~':
                self.error('funny character in string')
            out.append(c)

    def value(self):
        c = self.peek()
        if c == "'":
            return self.string()
        if c == '{':
            return self.obj()
        if c == '[':
            return self.array()
        for word, val in (('true', True), ('false', False)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return val
        if c.isdigit():
            # qvisit extension: the 'size' of a fixed-size byte string.
            start = self.pos
            while self.pos < len(self.text) and self.text[self.pos].isdigit():
                self.pos += 1
            return int(self.text[start:self.pos])
        if not c:
            self.error('expected a value, got end of file')
        self.error("stray '%s'" % c)

    def obj(self):
        self.expect('{')
        out = {}
        if self.peek() == '}':
            self.pos += 1
            return out
        while True:
            line = self.line
            if self.peek() != "'":
                self.error('expected string as a key')
            key = self.string()
            if key in out:
                raise SchemaError(Info(self.fname, line),
                                  "duplicate key '%s'" % key)
            self.expect(':')
            out[key] = self.value()
            if self.peek() == ',':
                self.pos += 1
                continue
            self.expect('}')
            return out

    def array(self):
        self.expect('[')
        out = []
        if self.peek() == ']':
            self.pos += 1
            return out
        while True:
            out.append(self.value())
            if self.peek() == ',':
                self.pos += 1
                continue
            self.expect(']')
            return out

    def expressions(self):
        """Yield (expression, Info) for each top-level expression."""
        while self.peek():
            if self.peek() != '{':
                self.error('expected an expression {...}')
            info = self.info()
            yield self.obj(), info
