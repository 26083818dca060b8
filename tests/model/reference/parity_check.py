#!/usr/bin/python3
"""Parity of the fixed-point training engine with float64 training (DESIGN.md section 3, issue 3).

Trains the same tiny LLaMA, data and starting LoRA adapter with `zklora train --no-prove` and with the float64
PyTorch reference (reference_train.py beside this file), full batch, and checks every run:

  step-1 loss        |L_fx(1) - L_fl(1)| / L_fl(1) <= 1%
  gradient cosine    cos(g_fx, g_fl) >= 0.99 at step 1, for every adapter tensor
  loss curve         |L_fx(t) - L_fl(t)| / L_fl(t) <= 3% for every step t <= 20
  learning           the loss falls by >= 10% over the run (so the band is not around a flat curve), and by
                     >= 30% where the issue asks for it: float and fixed point with AdamW on all seven projections,
                     and the fixed-point run on the built-in corpus

Runs (adapters of rank 8, alpha 16, A ~ U(-1/sqrt(in), 1/sqrt(in)), B ~ normal(0, 0.02) so that every gradient
is non-zero; the learning rates are printed with the table):

  qv-sgd, qv-adamw     q,v adapter, SGD lr 0.3 / AdamW lr 1e-2, 20 steps, synthetic data, seq 64
  all-sgd, all-adamw   all seven projections, SGD lr 0.1 / AdamW lr 5e-3, 20 steps, synthetic data, seq 64
  corpus               all seven, AdamW lr 5e-3, 80 steps, data/corpus_sample.jsonl (the first 64 lines of the
                       built-in corpus tokenized by the tiny tokenizer), seq 16

Synthetic data: 16 sequences that follow one fixed successor rule over 16 tokens (a random permutation, so each
sequence repeats the pattern of its cycle) from random starting tokens; 12 of length 33-63 (padded to 64), one of
64, one of 72 (truncated) and two short ones. Why so regular: the LoRA gradients of a random tiny model are small
because its logits are. With LM-head rows of norm 0.02 sqrt(d) and a unit final RMSNorm no logit exceeds
0.02 d = 2.56, so no adapter can bring the loss below about 3.7 from ln(512) = 6.24, a 41% drop at best, and only
on data whose next token is (nearly) determined. On the corpus the float run falls about 18% in 20 steps, 32% in 60
and more in 80; hence its longer run.

Usage:
  /usr/bin/python3 tests/model/reference/parity_check.py [options] ZKLORA SCRATCH
  /usr/bin/python3 tests/model/reference/parity_check.py --reference-only [--make-model] SCRATCH

  ZKLORA            path of the zklora executable
  SCRATCH           a directory this harness fills and overwrites (model/, data.jsonl, adapter_*/, runs/, cache/)
  --make-model      write the tiny checkpoint here (the project's tiny shape: 4 layers, d_model 128, 4 heads,
                    2 kv heads, d_ffn 512, vocab 512, pad id 3; weights normal(0, 0.02), norms 1.0; seed 1)
                    instead of `zklora init-model --shape tiny --seed 1 --out SCRATCH/model`
  --reference-only  run only the float64 reference (the model from --make-model when no executable is given)
  --runs NAMES      comma-separated subset of qv-sgd, qv-adamw, all-sgd, all-adamw, corpus
  --jobs J          reference runs in parallel (default 2; each uses one thread: Debian's torch multiplies
                    float64 matrices with the single-threaded reference BLAS)
  --no-cache        recompute reference runs even when SCRATCH/cache holds a result for the same inputs (the key
                    hashes reference_train.py, the checkpoint, the data, the adapter and the options)

The engine is run as
  zklora train --model M --data D.jsonl --steps N --batch B --seq S --lr LR --optimizer sgd|adamw
      --init-adapter A --out RUN --no-prove --dump-grads RUN/grads.json
(RUN is created empty beforehand) and must write RUN/report.json {"steps": [{"step": 1, "loss": ..}, ...]},
RUN/grads.json {"grads_step1": {peft tensor name: flat row-major list}} (the step-1 gradient of the mean loss,
dequantized) and RUN/adapter_model.safetensors (its update is compared with the float one, for information).

Exit code 0 when every check passes, 1 otherwise (the failing metrics are named), 2 for bad usage.
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_train as ref  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
REFERENCE = os.path.join(HERE, "reference_train.py")

RANK, ALPHA = 8, 16
TARGETS = {"qv": ("q_proj", "v_proj"), "all": ref.PROJECTIONS}
ADAPTER_SEEDS = {"qv": 101, "all": 102}
RUNS = {
    "qv-sgd": {"data": "synthetic", "targets": "qv", "optimizer": "sgd", "lr": 0.3, "drop": 0.10},
    "qv-adamw": {"data": "synthetic", "targets": "qv", "optimizer": "adamw", "lr": 1e-2, "drop": 0.10},
    "all-sgd": {"data": "synthetic", "targets": "all", "optimizer": "sgd", "lr": 0.1, "drop": 0.10},
    "all-adamw": {"data": "synthetic", "targets": "all", "optimizer": "adamw", "lr": 5e-3, "drop": 0.30},
    # The float drop of the corpus run is reported, not checked: the issue asks it of the fixed-point run.
    "corpus": {"data": "corpus", "targets": "all", "optimizer": "adamw", "lr": 5e-3, "drop": 0.30,
               "float_drop_checked": False},
}
LOSS1_TOL, COSINE_MIN, CURVE_TOL, CURVE_STEPS = 0.01, 0.99, 0.03, 20
PYTHON = "/usr/bin/python3"


def make_dataset(vocab, reserved, seed=3, alphabet=16):
    """Token-id sequences that follow one fixed successor rule (a random permutation of `alphabet` tokens drawn
    from the vocabulary, ids in `reserved` excluded: the pad/BOS/EOS ids) from random starting tokens, so each
    sequence repeats the pattern of its cycle. Lengths: 12 in [33, 63] (padded), 64, 72 (truncated), 2 in [8, 24]."""
    rng = np.random.default_rng(seed)
    candidates = [t for t in range(vocab) if t not in reserved]
    tokens = [int(t) for t in rng.choice(candidates, alphabet, replace=False)]
    successor = rng.permutation(alphabet)
    lengths = [int(n) for n in rng.integers(33, 64, 12)] + [64, 72] + [int(n) for n in rng.integers(8, 25, 2)]
    examples = []
    for length in lengths:
        i, ids = int(rng.integers(alphabet)), []
        for _ in range(length):
            ids.append(tokens[i])
            i = int(successor[i])
        examples.append(ids)
    return examples


class Table:
    def __init__(self):
        self.rows, self.failures = [], []

    def check(self, run, metric, value, bound, passed, detail=""):
        self.rows.append((run, metric, value, bound, "ok" if passed else "FAIL", detail))
        if not passed:
            self.failures.append(f"{run}: {metric} = {value} (needs {bound}){'; ' + detail if detail else ''}")

    def info(self, run, metric, value, detail=""):
        self.rows.append((run, metric, value, "", "info", detail))

    def skip(self, run, metric, why):
        self.rows.append((run, metric, "-", "", "skip", why))

    def print(self):
        header = ("run", "metric", "value", "bound", "", "detail")
        widths = [max(len(str(r[i])) for r in self.rows + [header]) for i in range(6)]
        for r in [header] + self.rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def cosine(a, b):
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 1.0 if na == nb else 0.0
    return float(np.dot(a, b) / (na * nb))


def drop(losses):
    return 1.0 - losses[-1] / losses[0]


def log_tail(path, lines=6):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(f.read().strip().splitlines()[-lines:])
    except OSError:
        return ""


def hash_inputs(paths, options):
    """SHA-256 over the reference's source, the given files (directories: every file, sorted) and the options."""
    h = hashlib.sha256()
    files = [REFERENCE]
    for p in paths:
        files += [os.path.join(p, n) for n in sorted(os.listdir(p))] if os.path.isdir(p) else [p]
    for f in files:
        h.update(os.path.basename(f).encode() + b"\0")
        with open(f, "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
    h.update(json.dumps(options).encode())
    return h.hexdigest()


def run_references(jobs, parallel, table):
    """jobs: {name: (argv, out_path, log_path)}; runs reference_train.py for each, `parallel` at a time."""
    pending, running, codes = list(jobs), {}, {}
    while pending or running:
        while pending and len(running) < parallel:
            name = pending.pop(0)
            argv, _, log = jobs[name]
            fh = open(log, "w")
            running[name] = (subprocess.Popen([PYTHON, REFERENCE, *argv], stdout=fh, stderr=subprocess.STDOUT),
                             fh, time.time())
        for name in list(running):
            proc, fh, start = running[name]
            if proc.poll() is not None:
                fh.close()
                codes[name] = proc.returncode
                print(f"  reference {name}: {time.time() - start:.1f} s"
                      + ("" if proc.returncode == 0 else f", exit {proc.returncode}"), flush=True)
                del running[name]
        time.sleep(0.1)
    return codes


def run_engine(cmd, log_path, timeout):
    start = time.time()
    with open(log_path, "w") as log:
        try:
            code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        except OSError as e:
            log.write(str(e))
            code = "not runnable"
    return code, time.time() - start


def compare(name, spec, fl, run_dir, initial, table):
    """The checks of one run whose engine output is in run_dir."""
    try:
        with open(os.path.join(run_dir, "report.json")) as f:
            steps = json.load(f)["steps"]
        fx_losses = [float(s["loss"]) for s in sorted(steps, key=lambda s: s["step"])]
        with open(os.path.join(run_dir, "grads.json")) as f:
            fx_grads = json.load(f)["grads_step1"]
    except (OSError, KeyError, TypeError, ValueError) as e:
        table.check(name, "engine output", "unreadable", "report.json, grads.json", False, str(e))
        return
    fl_losses = fl["losses"]
    if len(fx_losses) != len(fl_losses):
        table.check(name, "engine steps", len(fx_losses), f"== {len(fl_losses)}", False)
        return
    rel1 = abs(fx_losses[0] - fl_losses[0]) / fl_losses[0]
    table.check(name, "step-1 loss rel. error", f"{rel1:.2e}", f"<= {LOSS1_TOL:g}", rel1 <= LOSS1_TOL,
                f"fixed {fx_losses[0]:.5f}, float {fl_losses[0]:.5f}")
    worst, worst_name, missing = 2.0, "", []
    for tname, g in fl["grads_step1"].items():
        if tname not in fx_grads or len(fx_grads[tname]) != len(g):
            missing.append(tname)
            continue
        cos = cosine(np.asarray(fx_grads[tname], dtype=np.float64), np.asarray(g, dtype=np.float64))
        if cos < worst:
            worst, worst_name = cos, tname
    if missing:
        table.check(name, "step-1 gradients present", f"{len(missing)} missing or misshapen", "every tensor",
                    False, missing[0])
    table.check(name, "min step-1 gradient cosine", f"{worst:.6f}", f">= {COSINE_MIN}",
                worst >= COSINE_MIN and not missing,
                f"{worst_name.replace('base_model.model.model.', '')}, of {len(fl['grads_step1'])} tensors")
    devs = [abs(a - b) / b for a, b in zip(fx_losses, fl_losses)]
    checked = devs[:CURVE_STEPS]
    t = int(np.argmax(checked))
    table.check(name, f"max loss-curve rel. deviation, steps 1-{len(checked)}", f"{checked[t]:.2e}",
                f"<= {CURVE_TOL:g}", checked[t] <= CURVE_TOL, f"step {t + 1}")
    if len(devs) > CURVE_STEPS:
        t = int(np.argmax(devs))
        table.info(name, f"max loss-curve rel. deviation, steps 1-{len(devs)}", f"{devs[t]:.2e}", f"step {t + 1}")
    need = spec["drop"]
    table.check(name, f"fixed loss drop over {len(fx_losses)} steps", f"{100 * drop(fx_losses):.1f}%",
                f">= {100 * need:.0f}%", drop(fx_losses) >= need, f"{fx_losses[0]:.4f} -> {fx_losses[-1]:.4f}")
    try:
        fx_final = ref.read_safetensors(os.path.join(run_dir, "adapter_model.safetensors"))
        num = den = 0.0
        for tname, init in initial.items():
            d_fl = np.asarray(fl["adapter_final"][tname]) - init.reshape(-1)
            d_fx = fx_final[tname].reshape(-1) - init.reshape(-1)
            num += float(np.sum((d_fx - d_fl) ** 2))
            den += float(np.sum(d_fl ** 2))
        table.info(name, "adapter update rel. error", f"{math.sqrt(num / den):.2e}",
                   "||dtheta_fx - dtheta_fl|| / ||dtheta_fl|| after the last step")
    except (ref.InputError, KeyError, OSError) as e:
        table.info(name, "adapter update rel. error", "n/a", str(e))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+", metavar="ZKLORA SCRATCH")
    ap.add_argument("--make-model", action="store_true")
    ap.add_argument("--reference-only", action="store_true")
    ap.add_argument("--runs", default=",".join(RUNS))
    ap.add_argument("--steps", type=int, default=20, help="steps of the synthetic-data runs")
    ap.add_argument("--corpus-steps", type=int, default=80)
    ap.add_argument("--corpus", default=os.path.join(REPO, "data", "corpus_sample.jsonl"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per engine run")
    args = ap.parse_args(argv)
    if len(args.paths) == 2:
        exe, scratch = os.path.abspath(args.paths[0]), os.path.abspath(args.paths[1])
    elif len(args.paths) == 1 and args.reference_only:
        exe, scratch = None, os.path.abspath(args.paths[0])
    else:
        ap.error("expected ZKLORA SCRATCH (or SCRATCH alone with --reference-only)")
    engine = None if args.reference_only else exe
    runs = [r for r in args.runs.split(",") if r]
    for r in runs:
        if r not in RUNS:
            ap.error(f"unknown run {r} (known: {', '.join(RUNS)})")
    t0 = time.time()
    table = Table()

    # The model.
    os.makedirs(scratch, exist_ok=True)
    model_dir = os.path.join(scratch, "model")
    shutil.rmtree(model_dir, ignore_errors=True)
    if args.make_model or exe is None:
        cfg = ref.tiny_config()
        ref.write_model(model_dir, cfg, ref.random_weights(cfg, seed=1))
        print(f"model: written by this harness to {model_dir}")
    else:
        cmd = [exe, "init-model", "--shape", "tiny", "--seed", "1", "--out", model_dir]
        log = os.path.join(scratch, "init-model.log")
        code, secs = run_engine(cmd, log, args.timeout)
        if code != 0:
            print(f"parity FAILED: {' '.join(cmd)} exited with {code}: {log_tail(log)}")
            print("(--make-model writes the tiny checkpoint without the engine)")
            return 1
        print(f"model: {' '.join(cmd)} ({secs:.1f} s)")
    try:
        model = ref.load_model(model_dir)
    except ref.InputError as e:
        print(f"parity FAILED: the reference cannot read the checkpoint: {e}")
        return 1
    c = model.cfg
    print(f"  vocab {c.vocab}, d_model {c.d_model}, layers {c.n_layers}, heads {c.n_heads} ({c.n_kv_heads} kv), "
          f"d_ffn {c.d_ffn}, rms eps {c.eps:g}, rope theta {c.rope_theta:g}, tied {c.tie}, pad id {c.pad_id}")

    # Data and starting adapters.
    data = {}
    synthetic = make_dataset(c.vocab, {0, 1, 2, c.pad_id})
    data_path = os.path.join(scratch, "data.jsonl")
    with open(data_path, "w") as f:
        f.write("".join(json.dumps(ids) + "\n" for ids in synthetic))
    data["synthetic"] = (data_path, len(synthetic), 64, args.steps)
    print(f"data: {data_path}: {len(synthetic)} sequences of lengths {sorted(len(e) for e in synthetic)}")
    if "corpus" in runs:
        if os.path.exists(args.corpus):
            corpus = ref.load_jsonl(args.corpus, c.vocab)
            seq = min(64, max(len(e) for e in corpus))
            data["corpus"] = (args.corpus, len(corpus), seq, args.corpus_steps)
            print(f"corpus: {args.corpus}: {len(corpus)} sequences of {min(len(e) for e in corpus)}-{seq} tokens")
        else:
            table.skip("corpus", "corpus run", f"no {args.corpus}")
            runs.remove("corpus")
    cfg_dict = json.load(open(os.path.join(model_dir, "config.json")))
    adapters, initial = {}, {}
    for key, targets in TARGETS.items():
        path = os.path.join(scratch, f"adapter_{key}")
        shutil.rmtree(path, ignore_errors=True)
        ref.write_adapter(path, RANK, ALPHA, set(targets),
                          ref.random_adapter(cfg_dict, set(targets), RANK, ADAPTER_SEEDS[key]), base_model=model_dir)
        adapters[key] = path
        initial[key] = ref.read_safetensors(os.path.join(path, "adapter_model.safetensors"))
    print(f"adapters: rank {RANK}, alpha {ALPHA}, targets q,v ({adapters['qv']}) and all seven ({adapters['all']})")

    # Float64 reference runs, cached by their inputs.
    runs_dir, cache_dir = os.path.join(scratch, "runs"), os.path.join(scratch, "cache")
    os.makedirs(runs_dir, exist_ok=True)
    os.makedirs(cache_dir, exist_ok=True)
    options, jobs, ref_out = {}, {}, {}
    for name in runs:
        spec = RUNS[name]
        path, n, seq, steps = data[spec["data"]]
        options[name] = ["--steps", str(steps), "--batch", str(n), "--seq", str(seq), "--lr", repr(spec["lr"]),
                         "--optimizer", spec["optimizer"], "--init-adapter", adapters[spec["targets"]]]
        key = hash_inputs([model_dir, path, adapters[spec["targets"]]], options[name][:-2])
        ref_out[name] = os.path.join(cache_dir, f"{name}-{key[:16]}.json")
        if args.no_cache or not os.path.exists(ref_out[name]):
            jobs[name] = (["--model", model_dir, "--data", path, *options[name], "--out", ref_out[name] + ".tmp",
                           "--threads", "1"], ref_out[name], os.path.join(runs_dir, f"{name}.reference.log"))
    cached = [r for r in runs if r not in jobs]
    print(f"reference: {len(jobs)} run(s) of float64 training, {args.jobs} at a time"
          + (f"; cached: {', '.join(cached)}" if cached else ""), flush=True)
    codes = run_references(jobs, args.jobs, table)
    floats = {}
    for name in runs:
        if codes.get(name, 0) != 0:
            table.check(name, "reference run", f"exit {codes[name]}", "exit 0", False, log_tail(jobs[name][2]))
            continue
        if name in jobs:
            os.replace(ref_out[name] + ".tmp", ref_out[name])
        with open(ref_out[name]) as f:
            floats[name] = json.load(f)
        spec, losses = RUNS[name], floats[name]["losses"]
        detail = f"{spec['optimizer']} lr {spec['lr']:g}, {losses[0]:.4f} -> {losses[-1]:.4f}"
        if spec.get("float_drop_checked", True):
            table.check(name, f"float loss drop over {len(losses)} steps", f"{100 * drop(losses):.1f}%",
                        f">= {100 * spec['drop']:.0f}%", drop(losses) >= spec["drop"], detail)
        else:
            table.info(name, f"float loss drop over {len(losses)} steps", f"{100 * drop(losses):.1f}%", detail)

    # The fixed-point engine, the same runs.
    if engine is not None:
        for name in runs:
            if name not in floats:
                continue
            spec = RUNS[name]
            run_dir = os.path.join(runs_dir, name)
            shutil.rmtree(run_dir, ignore_errors=True)
            os.makedirs(run_dir)  # so that --dump-grads RUN/grads.json has its directory
            cmd = [engine, "train", "--model", model_dir, "--data", data[spec["data"]][0], *options[name],
                   "--out", run_dir, "--no-prove", "--dump-grads", os.path.join(run_dir, "grads.json")]
            log = os.path.join(runs_dir, f"{name}.engine.log")
            code, secs = run_engine(cmd, log, args.timeout)
            print(f"  engine {name}: {secs:.1f} s" + ("" if code == 0 else f", exit {code}"), flush=True)
            if code != 0:
                table.check(name, "engine run", f"exit {code}", "exit 0", False, log_tail(log))
                print(f"    {' '.join(cmd)}")
                continue
            compare(name, spec, floats[name], run_dir, initial[spec["targets"]], table)

    print()
    table.print()
    print(f"\n{time.time() - t0:.1f} s")
    if table.failures:
        print("parity FAILED:")
        for line in table.failures:
            print("  " + line)
        return 1
    print("parity passed" + (" (reference only)" if engine is None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
