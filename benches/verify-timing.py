#!/usr/bin/env python3
"""Fresh-process sign-in timing (issue 15, fault 1; BENCHMARKS.md): rounds of
three `keyward verify` processes in random order (wrong password, unknown
login, disabled account), each timed from spawn to exit, medians per backend.
Usage: benches/verify-timing.py PATH/TO/keyward [ROUNDS] [sqlite,postgres]"""
import os, random, statistics, subprocess, sys, tempfile, time

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 150
BACKENDS = sys.argv[3].split(",") if len(sys.argv) > 3 else ["sqlite", "postgres"]
PG = "postgres://postgres@127.0.0.1:5432"
PW = "violet kettle harbour quince"
ADMIN_PW = "correct horse battery staple"

def run(env, db, args, stdin=""):
    t = time.perf_counter()
    p = subprocess.run([BIN, "--database", db] + args, input=stdin.encode(), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, time.perf_counter() - t, p.stderr.decode()

def ok(env, db, args, stdin=""):
    code, _, err = run(env, db, args, stdin)
    assert code == 0, (args, err)

for backend in BACKENDS:
    d = tempfile.mkdtemp()
    env = dict(os.environ, KEYWARD_DATA_DIR=d)
    for k in ["KEYWARD_DATABASE_URL", "KEYWARD_CONFIG", "KEYWARD_TOKEN"]:
        env.pop(k, None)
    if backend == "sqlite":
        db = f"sqlite://{d}/keyward.db"
    else:
        name = "keyward_t_timing_" + os.urandom(4).hex()
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        db = f"{PG}/{name}"
    ok(env, db, ["init", "--admin", "root1", "--name", "Root", "--email", "r@example.org", "--password-stdin"], ADMIN_PW + "\n")
    ok(env, db, ["login", "--as", "root1", "--password-stdin"], ADMIN_PW + "\n")
    ok(env, db, ["policy", "set", "lockout_threshold=100"])
    for login in ["anna.b", "dora.d"]:
        ok(env, db, ["user", "add", login, "--name", "X", "--email", f"{login}@example.org", "--password-stdin"], "first passphrase, orchard lantern\n")
        ok(env, db, ["user", "set-password", login, "--password-stdin"], PW + "\n")
    ok(env, db, ["user", "disable", "dora.d"])
    # Warm-up (page cache, the kept floor).
    for i in range(10):
        run(env, db, ["verify", f"warm.{i}", "--password-stdin"], "a guess\n")
        run(env, db, ["verify", "anna.b", "--password-stdin"], "a guess\n")
    times = {"wrong": [], "unknown": [], "disabled": []}
    codes = {"wrong": 11, "unknown": 11, "disabled": 13}
    for i in range(N):
        kinds = ["wrong", "unknown", "disabled"]
        random.shuffle(kinds)
        for kind in kinds:
            login = {"wrong": "anna.b", "unknown": f"nobody.{i}", "disabled": "dora.d"}[kind]
            code, took, err = run(env, db, ["verify", login, "--password-stdin"], "not the password\n")
            assert code == codes[kind], (kind, code, err)
            times[kind].append(took)
        if i % 40 == 39:
            ok(env, db, ["user", "unlock", "anna.b"])
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"{backend}: n={N} each; median ms: " + ", ".join(f"{k} {v:.1f}" for k, v in med.items())
          + f"; unknown/wrong {med['unknown']/med['wrong']:.3f}, disabled/wrong {med['disabled']/med['wrong']:.3f}")
    for k, v in times.items():
        q = statistics.quantiles(v, n=4)
        print(f"  {k}: p25 {q[0]*1000:.1f} p50 {q[1]*1000:.1f} p75 {q[2]*1000:.1f}")
    sys.stdout.flush()
    if backend == "postgres":
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE {name} WITH (FORCE)"])
