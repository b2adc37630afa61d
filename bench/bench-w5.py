#!/usr/bin/env python3
# bench/bench-w5: W5 of WORKLOAD.md, a real QEMU migration stream converted
# by migstream to DER, CER and JSON and back, against cp of the same bytes.
#
# Run by the bench once per pass (docs/performance.md, "W4-W6"):
#   BENCH_PASS=K BENCH_PASSES=N BENCH_DIR=DIR bench-w5 [--quick]
# and prints the report lines of bench/workload-report.h. The streams are
# captured once into DIR/bench-w5 from qemu-system-x86_64 (-M pc -m 256,
# 192 MiB of random data loaded into guest RAM with -device loader, a virtio
# disk, an e1000, paused with -S, migrated to a file; and the same with
# -m 1280 and 1 GiB of data for the peak-RSS check, skipped with --quick),
# kept between passes and removed after the last one. Each pass times the
# cases interleaved, one repetition of each in turn; figures are medians.
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

TOP_BUILDDIR = "__TOP_BUILDDIR__"  # set by bench/local.mk


def out(line):
    print(line, flush=True)


def goal(name, value, unit, op, limit, note=None):
    v = "n/a" if value is None else repr(float(value))
    out("goal %s: %s %s %s %s%s" % (name, v, unit, op, limit,
                                    " " + note if note else ""))


def figure(name, value, unit, note=None):
    out("figure %s: %r %s%s" % (name, float(value), unit,
                                " " + note if note else ""))


GOALS = [  # as stated in bench/workloads.c
    ("W5 to DER time / cp", "x", "<=", 2),
    ("W5 from DER time / cp", "x", "<=", 2),
    ("W5 to CER time / cp", "x", "<=", 2),
    ("W5 from CER time / cp", "x", "<=", 2),
    ("W5 DER size / native stream", "x", "<=", 1.01),
    ("W5 CER size / native stream", "x", "<=", 1.01),
    ("W5 peak RSS", "MiB", "<=", 64),
    ("W5 peak RSS on a 1 GiB stream", "MiB", "<=", 64),
]


def all_not_measured(why):
    for name, unit, op, limit in GOALS:
        goal(name, None, unit, op, limit, "(not measured: %s)" % why)


def migstream_command():
    """The real migstream executable (not libtool's wrapper script) and
    the environment to run it in."""
    env = dict(os.environ)
    override = os.environ.get("BENCH_MIGSTREAM")
    if override:
        return override, env
    tools = os.path.join(TOP_BUILDDIR, "tools")
    lt = os.path.join(tools, ".libs", "lt-migstream")
    real = os.path.join(tools, ".libs", "migstream")
    if os.access(lt, os.X_OK):
        return lt, env
    if os.access(real, os.X_OK):
        libs = os.path.join(TOP_BUILDDIR, ".libs")
        old = env.get("LD_LIBRARY_PATH")
        env["LD_LIBRARY_PATH"] = libs + (":" + old if old else "")
        return real, env
    return os.path.join(tools, "migstream"), env


# GNU time reports the peak RSS of the program it runs from a small
# process of its own; a child forked from this script would start with the
# script's 16 MiB counted.
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run(argv, env=None, rss_file=None):
    """Run argv (stdout to /dev/null); return (wall ns, peak RSS in KiB of
    that program, exit status, CPU seconds: user + system)."""
    if TIME and rss_file:
        argv = [TIME, "-f", "%M", "-o", rss_file] + argv
    t0 = time.monotonic_ns()
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    t = time.monotonic_ns() - t0
    err = p.stderr.read().decode(errors="replace").strip()
    p.stderr.close()
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        sys.stderr.write("bench-w5: %s: exit %d: %s\n"
                         % (" ".join(argv), rc, err))
    kib = ru.ru_maxrss
    cpu = ru.ru_utime + ru.ru_stime   # of GNU time and its child: ~1 ms more
    if TIME and rss_file:
        try:
            with open(rss_file) as f:
                kib = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            kib = 0
    return t, kib, rc, cpu


class QMP:
    """QEMU with QMP on its stdio; stopped by its PID in close()."""

    def __init__(self, qemu, args, errlog):
        self.p = subprocess.Popen(
            [qemu, "-nodefaults", "-display", "none", "-qmp", "stdio"] + args,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog,
            text=True)
        self.read_until('"QMP"')
        self.cmd('{"execute":"qmp_capabilities"}')

    def read_until(self, pattern):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("QEMU exited")
            if pattern in line:
                return line
        raise RuntimeError("QMP: no %s" % pattern)

    def cmd(self, text):
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("QEMU exited")
            if '"return"' in line:
                return line
            if '"error"' in line:
                raise RuntimeError("QMP error: " + line.strip())

    def close(self):
        try:
            self.p.stdin.write('{"execute":"quit"}\n')
            self.p.stdin.flush()
            self.p.wait(timeout=30)
        except Exception:
            self.p.kill()
            self.p.wait()


def capture(qemu, qemu_img, work, name, ram_mib, data_mib):
    """Capture a paused pc machine with data_mib MiB of random guest RAM
    into work/name.mig (kept if already there)."""
    stream = os.path.join(work, name + ".mig")
    if os.path.exists(stream):
        return stream
    data = os.path.join(work, name + ".rnd")
    disk = os.path.join(work, name + ".qcow2")
    with open(data, "wb") as f:
        for _ in range(data_mib):
            f.write(os.urandom(1 << 20))
    subprocess.run([qemu_img, "create", "-q", "-f", "qcow2", disk, "16M"],
                   check=True)
    tmp = stream + ".part"
    with open(os.path.join(work, name + ".qemu-err"), "w") as errlog:
        q = QMP(qemu, ["-M", "pc", "-m", str(ram_mib), "-S",
                       "-device", "e1000",
                       "-drive", "file=%s,if=none,id=d0,format=qcow2" % disk,
                       "-device", "virtio-blk-pci,drive=d0",
                       "-device", "loader,file=%s,addr=0x1000000,force-raw=on"
                       % data], errlog)
        try:
            q.cmd('{"execute":"migrate","arguments":{"uri":"exec:cat > %s"}}'
                  % tmp)
            for _ in range(3000):
                line = q.cmd('{"execute":"query-migrate"}')
                if '"completed"' in line:
                    break
                if '"failed"' in line or '"cancelled"' in line:
                    raise RuntimeError("migration: " + line.strip())
                time.sleep(0.1)
            else:
                raise RuntimeError("migration did not complete")
        finally:
            q.close()
    os.rename(tmp, stream)
    os.unlink(data)
    os.unlink(disk)
    return stream


def main():
    ap = argparse.ArgumentParser(prog="bench-w5")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    a.pass_ = int(os.environ.get("BENCH_PASS", "1"))
    a.passes = int(os.environ.get("BENCH_PASSES", "1"))
    a.dir = os.environ.get("BENCH_DIR", ".")

    qemu = shutil.which("qemu-system-x86_64")
    qemu_img = shutil.which("qemu-img")
    mig, env = migstream_command()
    for prog, path in (("qemu-system-x86_64", qemu), ("qemu-img", qemu_img)):
        if not path:
            out("missing %s: not installed" % prog)
            all_not_measured(prog + " not installed")
            return 0
    if not os.access(mig, os.X_OK):
        out("missing migstream: %s not built" % mig)
        all_not_measured("migstream not built")
        return 0

    work = os.path.join(a.dir, "bench-w5")
    os.makedirs(work, exist_ok=True)
    try:
        stream = capture(qemu, qemu_img, work, "w5", 256, 192)
        big = None if a.quick else capture(qemu, qemu_img, work, "w5-1g",
                                           1280, 1024)
    except Exception as e:
        out("# capture failed: %s" % e)
        all_not_measured("capture failed")
        return 1
    native = os.path.getsize(stream)
    o = {k: os.path.join(work, "out." + k)
         for k in ("cp", "der", "cer", "json", "der.mig", "cer.mig",
                   "json.mig")}
    # (label, argv, environment, the file it creates)
    cases = [
        ("read", ["cat", stream], None, None),
        ("cp", ["cp", stream, o["cp"]], None, o["cp"]),
        ("to DER", [mig, "convert", stream, o["der"], "--to", "der"], env,
         o["der"]),
        ("from DER", [mig, "convert", o["der"], o["der.mig"], "--to", "qemu"],
         env, o["der.mig"]),
        ("to CER", [mig, "convert", stream, o["cer"], "--to", "cer"], env,
         o["cer"]),
        ("from CER", [mig, "convert", o["cer"], o["cer.mig"], "--to", "qemu"],
         env, o["cer.mig"]),
        ("to JSON", [mig, "convert", stream, o["json"], "--to", "json"], env,
         o["json"]),
        ("from JSON", [mig, "convert", o["json"], o["json.mig"], "--to",
                       "qemu"], env, o["json.mig"]),
    ]
    reps = 3 if a.quick else 5
    times = {c[0]: [] for c in cases}
    cpus = {c[0]: [] for c in cases}
    rss = {c[0]: 0 for c in cases}
    failed = set()
    run(["cat", stream])        # the page cache warm for every case
    for r in range(reps):
        for label, argv, e, made in cases:
            if label in failed:
                continue
            if made and os.path.exists(made):
                # Every case creates its file: replacing the last run's
                # would charge it with freeing that file's pages (and ext4
                # starts writing back a file renamed over another).
                os.unlink(made)
            os.sync()   # untimed: no case writes back another's output
            t, kib, rc, cpu = run(argv, e, os.path.join(work, "rss"))
            if rc != 0:
                failed.add(label)
                continue
            times[label].append(t)
            cpus[label].append(cpu)
            rss[label] = max(rss[label], kib)
        if r == 0:
            for k in ("der.mig", "cer.mig", "json.mig"):
                if not os.path.exists(o[k]) or \
                        subprocess.run(["cmp", "-s", stream, o[k]]).returncode:
                    out("# %s is not byte-identical to the stream" % k)
                    failed.add("from " + k.split(".")[0].upper())

    def med(label):
        return statistics.median(times[label]) if label not in failed and \
            times[label] else None

    figure("W5 stream size", native, "bytes", "(-M pc -m 256, 192 MiB random)")
    if not TIME:
        out("# no /usr/bin/time: peak RSS figures include this script's own")
    for label, _, _, _ in cases:
        m = med(label)
        if m is not None:
            figure("W5 %s" % label, m / 1e6, "ms",
                   "(median of %d, wall; CPU %.0f ms; peak RSS %.1f MiB)"
                   % (len(times[label]),
                      statistics.median(cpus[label]) * 1e3,
                      rss[label] / 1024))
    for k in ("der", "cer", "json"):
        if os.path.exists(o[k]):
            figure("W5 %s size / native stream" % k.upper(),
                   os.path.getsize(o[k]) / native, "x")
    cp = med("cp")
    cp_cpu = statistics.median(cpus["cp"]) if cpus["cp"] else None
    for label in ("to DER", "from DER", "to CER", "from CER"):
        if cp_cpu and cpus[label] and label not in failed:
            # wall time is the goal; CPU time says how much of it is ours
            # on a loaded machine
            figure("W5 %s CPU time / cp CPU time" % label,
                   statistics.median(cpus[label]) / cp_cpu, "x",
                   "(user + system, medians)")
    for label in ("to DER", "from DER", "to CER", "from CER"):
        m = med(label)
        goal("W5 %s time / cp" % label,
             m / cp if m is not None and cp else None, "x", "<=", 2)
    for k in ("der", "cer"):
        goal("W5 %s size / native stream" % k.upper(),
             os.path.getsize(o[k]) / native if os.path.exists(o[k]) else None,
             "x", "<=", 1.01)
    conv = [rss[c[0]] for c in cases[2:6] if c[0] not in failed]
    goal("W5 peak RSS", max(conv) / 1024 if len(conv) == 4 else None, "MiB",
         "<=", 64, "(the largest of the DER and CER conversions, both ways)")

    if big is None:
        goal("W5 peak RSS on a 1 GiB stream", None, "MiB", "<=", 64,
             "(not measured with --quick)")
    else:
        peaks = []
        b = {k: os.path.join(work, "big." + k)
             for k in ("der", "cer", "der.mig", "cer.mig")}
        for argv in ([mig, "convert", big, b["der"], "--to", "der"],
                     [mig, "convert", b["der"], b["der.mig"], "--to", "qemu"],
                     [mig, "convert", big, b["cer"], "--to", "cer"],
                     [mig, "convert", b["cer"], b["cer.mig"], "--to", "qemu"]):
            t, kib, rc, _ = run(argv, env, os.path.join(work, "rss"))
            if rc == 0:
                peaks.append(kib)
        for f in b.values():
            if os.path.exists(f):
                os.unlink(f)
        figure("W5 1 GiB stream size", os.path.getsize(big), "bytes")
        goal("W5 peak RSS on a 1 GiB stream",
             max(peaks) / 1024 if len(peaks) == 4 else None, "MiB", "<=", 64,
             "(DER and CER, both ways)")

    for f in o.values():
        if os.path.exists(f):
            os.unlink(f)
    if a.pass_ >= a.passes:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
