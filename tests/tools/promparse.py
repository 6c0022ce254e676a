# promparse.py FILE: checks that FILE is the Prometheus text exposition
# format (a HELP and a TYPE per family, before its samples; counters named
# _total; each sample once) and prints "name{labels} value" lines.
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{(?:%s)(?:,%s)*\})? (-?[0-9]+(?:\.[0-9]+)?)$' % (name, label, label))
typed, helped, seen = {}, set(), set()
for n, line in enumerate(open(sys.argv[1]).read().split('\n')[:-1], 1):
    if line.startswith('# HELP '):
        f = line.split(' ')[2]
        assert f not in helped, 'line %d: HELP of %s twice' % (n, f)
        helped.add(f)
    elif line.startswith('# TYPE '):
        _, _, f, t = line.split(' ')
        assert t in ('counter', 'gauge'), 'line %d: type %s' % (n, t)
        assert f not in typed, 'line %d: TYPE of %s twice' % (n, f)
        typed[f] = t
    else:
        m = sample.match(line)
        assert m, 'line %d is no sample: %r' % (n, line)
        f = m.group(1)
        assert f in typed, 'line %d: %s has no TYPE before it' % (n, f)
        assert (typed[f] == 'counter') == f.endswith('_total'), 'line %d: %s' % (n, f)
        key = f + (m.group(2) or '')
        assert key not in seen, 'line %d: %s twice' % (n, key)
        seen.add(key)
        print(key, m.group(3))
