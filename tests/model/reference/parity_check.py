#!/usr/bin/python3
"""Parity of the fixed-point training engine with float64 training (DESIGN.md section 3, issue 3).

Trains the same tiny LLaMA, data and starting LoRA adapter with `zklora train --no-prove` and with the float64
PyTorch reference (reference_train.py beside this file), for 20 full-batch steps with SGD and with AdamW, on two
adapter configurations (q,v and all seven projections; rank 8, alpha 16, A ~ U(-1/sqrt(in), 1/sqrt(in)) and
B ~ normal(0, 0.02), so that every gradient is non-zero), and checks:

  step-1 loss        |L_fx(1) - L_fl(1)| / L_fl(1) <= 1%
  gradient cosine    cos(g_fx, g_fl) >= 0.99 at step 1 for every adapter tensor
  loss curve         |L_fx(t) - L_fl(t)| / L_fl(t) <= 3% for every step t
  learning           both runs lower the loss by >= 10% over the 20 steps (the learning rates make it fall
                     clearly; a band around a flat curve would prove nothing), and by >= 30% for AdamW on all seven
                     projections (float and fixed point)
  built-in corpus    when data/corpus.txt and the model's tokenizer.model exist: a longer fixed-point AdamW run on
                     the corpus's first 16 lines lowers the loss by >= 30%

Learning rates (printed with the table): SGD 0.3 (q,v) and 0.1 (all), AdamW 1e-2 (q,v) and 5e-3 (all).
The LoRA gradients of a tiny random model are small because its logits are: with LM-head rows of norm
0.02 sqrt(d) and a unit final RMSNorm, no logit can exceed 0.02 d = 2.56, so no training of the adapter can bring
the loss below about 3.7 from ln(512) = 6.24 (a 41% drop at best). The data are therefore made deterministic
enough to approach that floor: 16 sequences that follow one fixed successor rule over 16 tokens (a random
permutation, so each sequence repeats the pattern of its cycle) from random starting tokens, 12 of length 33-63 (padded to 64), one of 64, one of 72 (truncated) and two short ones.

Usage:
  /usr/bin/python3 tests/model/reference/parity_check.py [options] ZKLORA SCRATCH
  /usr/bin/python3 tests/model/reference/parity_check.py --reference-only [--make-model] SCRATCH

  ZKLORA            path of the zklora executable
  SCRATCH           a directory this harness may fill and overwrite (model/, data.jsonl, adapter_*/, runs/)
  --make-model      write the tiny checkpoint here (d_model 128, 2 layers, 4 heads, 2 kv heads, d_ffn 344,
                    vocab 512, weights normal(0, 0.02), norms 1.0, seed 1) instead of
                    `zklora init-model --shape tiny --seed 1 --out SCRATCH/model`
  --reference-only  run only the float64 reference (implies --make-model when no executable is given)
  --runs NAMES      comma-separated subset of qv-sgd, qv-adamw, all-sgd, all-adamw
  --corpus FILE     the built-in corpus (default data/corpus.txt of this repository)

The engine is run as
  zklora train --model M --data D.jsonl --steps 20 --batch 16 --seq 64 --lr LR --optimizer sgd|adamw
      --init-adapter A --out RUN --no-prove --dump-grads RUN/grads.json
and must write RUN/report.json {"steps": [{"step": 1, "loss": ..}, ...]}, RUN/grads.json {"grads_step1":
{peft tensor name: flat row-major list}} (the step-1 gradient of the mean loss, dequantized) and the PEFT adapter
RUN/adapter_model.safetensors (its update is compared with the float one for information).

Exit code 0 when every check passes, 1 otherwise (the failing metrics are named), 2 for bad usage.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_train as ref  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

RANK, ALPHA = 8, 16
TARGETS = {"qv": ("q_proj", "v_proj"), "all": ref.PROJECTIONS}
# name -> (adapter configuration, optimizer, learning rate)
RUNS = {"qv-sgd": ("qv", "sgd", 0.3), "qv-adamw": ("qv", "adamw", 1e-2),
        "all-sgd": ("all", "sgd", 0.1), "all-adamw": ("all", "adamw", 5e-3)}
STRONG_RUN = "all-adamw"  # the run that must lower the loss by 30% in 20 steps

LOSS1_TOL, COSINE_MIN, CURVE_TOL = 0.01, 0.99, 0.03
DROP_CLEAR, DROP_STRONG = 0.10, 0.30


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
            self.failures.append(f"{run}: {metric} = {value} ({bound}){' ' + detail if detail else ''}")

    def info(self, run, metric, value, detail=""):
        self.rows.append((run, metric, value, "", "info", detail))

    def skip(self, run, metric, why):
        self.rows.append((run, metric, "-", "", "skip", why))

    def print(self):
        widths = [max(len(str(r[i])) for r in self.rows + [("run", "metric", "value", "bound", "", "")])
                  for i in range(6)]
        header = ("run", "metric", "value", "bound", "", "detail")
        for r in [header] + self.rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def cosine(a, b):
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 1.0 if na == nb else 0.0
    return float(np.dot(a, b) / (na * nb))


def run_engine(cmd, log_path, timeout):
    start = time.time()
    with open(log_path, "w") as log:
        try:
            proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        except OSError as e:
            log.write(str(e))
            code = "not runnable"
    return code, time.time() - start


def log_tail(path, lines=8):
    try:
        with open(path) as f:
            return " | ".join(f.read().strip().splitlines()[-lines:])
    except OSError:
        return ""


def read_engine_losses(run_dir):
    with open(os.path.join(run_dir, "report.json")) as f:
        steps = json.load(f)["steps"]
    return [float(s["loss"]) for s in sorted(steps, key=lambda s: s["step"])]


def drop(losses):
    return 1.0 - losses[-1] / losses[0]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+", metavar="ZKLORA SCRATCH")
    ap.add_argument("--make-model", action="store_true")
    ap.add_argument("--reference-only", action="store_true")
    ap.add_argument("--runs", default=",".join(RUNS))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--corpus", default=os.path.join(REPO, "data", "corpus.txt"))
    ap.add_argument("--corpus-steps", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per engine run")
    args = ap.parse_args(argv)
    if len(args.paths) == 2:
        init_exe, scratch = os.path.abspath(args.paths[0]), os.path.abspath(args.paths[1])
    elif len(args.paths) == 1 and args.reference_only:
        init_exe, scratch = None, os.path.abspath(args.paths[0])
    else:
        ap.error("expected ZKLORA SCRATCH (or SCRATCH alone with --reference-only)")
    zklora = None if args.reference_only else init_exe  # the engine that trains
    runs = [r for r in args.runs.split(",") if r]
    unknown = [r for r in runs if r not in RUNS]
    if unknown:
        ap.error(f"unknown run {unknown[0]} (known: {', '.join(RUNS)})")
    ref.setup_torch(args.threads)
    table = Table()
    t0 = time.time()

    # The model.
    os.makedirs(scratch, exist_ok=True)
    model_dir = os.path.join(scratch, "model")
    shutil.rmtree(model_dir, ignore_errors=True)
    if args.make_model or init_exe is None:
        cfg = ref.tiny_config()
        ref.write_model(model_dir, cfg, ref.random_weights(cfg, seed=1))
        print(f"model: written by this harness to {model_dir}")
    else:
        cmd = [init_exe, "init-model", "--shape", "tiny", "--seed", "1", "--out", model_dir]
        code, secs = run_engine(cmd, os.path.join(scratch, "init-model.log"), args.timeout)
        if code != 0:
            print(f"FAIL: {' '.join(cmd)} exited with {code}: {log_tail(os.path.join(scratch, 'init-model.log'))}")
            print("(--make-model writes the tiny checkpoint without the engine)")
            return 1
        print(f"model: {' '.join(cmd)} ({secs:.1f} s)")
    try:
        model = ref.load_model(model_dir)
    except ref.InputError as e:
        print(f"FAIL: the reference cannot read the checkpoint: {e}")
        return 1
    c = model.cfg
    print(f"  vocab {c.vocab}, d_model {c.d_model}, layers {c.n_layers}, heads {c.n_heads}/{c.n_kv_heads} kv, "
          f"d_ffn {c.d_ffn}, rms eps {c.eps}, rope theta {c.rope_theta}, tied {c.tie}, pad {c.pad_id}")

    # Data and starting adapters.
    examples = make_dataset(c.vocab, {0, 1, 2, c.pad_id})
    data_path = os.path.join(scratch, "data.jsonl")
    with open(data_path, "w") as f:
        for ids in examples:
            f.write(json.dumps(ids) + "\n")
    n = len(examples)
    print(f"data: {data_path}: {n} sequences, lengths {sorted(len(e) for e in examples)}, seq {args.seq}")
    cfg_dict = json.load(open(os.path.join(model_dir, "config.json")))
    adapters, initial = {}, {}
    for key, seed in (("qv", 101), ("all", 102)):
        path = os.path.join(scratch, f"adapter_{key}")
        shutil.rmtree(path, ignore_errors=True)
        tensors = ref.random_adapter(cfg_dict, set(TARGETS[key]), RANK, seed)
        ref.write_adapter(path, RANK, ALPHA, set(TARGETS[key]), tensors, base_model=model_dir)
        adapters[key], initial[key] = path, ref.read_safetensors(os.path.join(path, "adapter_model.safetensors"))
    print(f"adapters: rank {RANK}, alpha {ALPHA}, targets q,v and all seven, B non-zero")
    runs_dir = os.path.join(scratch, "runs")
    os.makedirs(runs_dir, exist_ok=True)

    for name in runs:
        key, optimizer, lr = RUNS[name]
        opts = ["--steps", str(args.steps), "--batch", str(n), "--seq", str(args.seq), "--lr", repr(lr),
                "--optimizer", optimizer, "--init-adapter", adapters[key]]
        ref_out = os.path.join(runs_dir, f"{name}.reference.json")
        start = time.time()
        code = ref.main_args(["--model", model_dir, "--data", data_path, *opts, "--out", ref_out,
                              "--threads", str(args.threads)])
        if code != 0:
            table.check(name, "reference run", code, "exit 0", False)
            continue
        with open(ref_out) as f:
            fl = json.load(f)
        fl_losses = fl["losses"]
        print(f"{name}: {optimizer} lr {lr:g}: float {fl_losses[0]:.4f} -> {fl_losses[-1]:.4f} "
              f"({100 * drop(fl_losses):.1f}% lower, {time.time() - start:.1f} s)")
        need = DROP_STRONG if name == STRONG_RUN else DROP_CLEAR
        table.check(name, f"float loss drop over {args.steps} steps", f"{100 * drop(fl_losses):.1f}%",
                    f">= {100 * need:.0f}%", drop(fl_losses) >= need, f"lr {lr:g}")
        if zklora is None:
            continue

        run_dir = os.path.join(runs_dir, name)
        shutil.rmtree(run_dir, ignore_errors=True)
        os.makedirs(run_dir)  # so that --dump-grads RUN/grads.json has its directory
        cmd = [zklora, "train", "--model", model_dir, "--data", data_path, *opts, "--out", run_dir, "--no-prove",
               "--dump-grads", os.path.join(run_dir, "grads.json")]
        log = os.path.join(runs_dir, f"{name}.engine.log")
        code, secs = run_engine(cmd, log, args.timeout)
        if code != 0:
            table.check(name, "engine run", code, "exit 0", False, log_tail(log))
            print(f"  engine failed: {' '.join(cmd)}")
            continue
        try:
            fx_losses = read_engine_losses(run_dir)
            with open(os.path.join(run_dir, "grads.json")) as f:
                fx_grads = json.load(f)["grads_step1"]
        except (OSError, KeyError, TypeError, ValueError) as e:
            table.check(name, "engine output", "unreadable", "report.json, grads.json", False, str(e))
            continue
        print(f"  fixed {fx_losses[0]:.4f} -> {fx_losses[-1]:.4f} ({100 * drop(fx_losses):.1f}% lower, "
              f"{secs:.1f} s)")
        if len(fx_losses) != args.steps:
            table.check(name, "engine steps", len(fx_losses), f"== {args.steps}", False)
            continue
        rel1 = abs(fx_losses[0] - fl_losses[0]) / fl_losses[0]
        table.check(name, "step-1 loss rel. error", f"{rel1:.2e}", f"<= {LOSS1_TOL:g}", rel1 <= LOSS1_TOL,
                    f"fixed {fx_losses[0]:.5f} float {fl_losses[0]:.5f}")
        worst, worst_name, bad = 2.0, "", []
        for tname, g in fl["grads_step1"].items():
            if tname not in fx_grads or len(fx_grads[tname]) != len(g):
                bad.append(tname)
                continue
            cos = cosine(np.asarray(fx_grads[tname], dtype=np.float64), np.asarray(g, dtype=np.float64))
            if cos < worst:
                worst, worst_name = cos, tname
        if bad:
            table.check(name, "step-1 gradients present", f"{len(bad)} missing", "all tensors", False, bad[0])
        short = worst_name.replace("base_model.model.model.", "")
        table.check(name, "min step-1 gradient cosine", f"{worst:.5f}", f">= {COSINE_MIN}",
                    worst >= COSINE_MIN and not bad, f"{short} ({len(fl['grads_step1'])} tensors)")
        devs = [abs(a - b) / b for a, b in zip(fx_losses, fl_losses)]
        t_worst = int(np.argmax(devs))
        table.check(name, "max loss-curve rel. deviation", f"{devs[t_worst]:.2e}", f"<= {CURVE_TOL:g}",
                    max(devs) <= CURVE_TOL, f"step {t_worst + 1}")
        table.check(name, f"fixed loss drop over {args.steps} steps", f"{100 * drop(fx_losses):.1f}%",
                    f">= {100 * need:.0f}%", drop(fx_losses) >= need)
        try:
            fx_final = ref.read_safetensors(os.path.join(run_dir, "adapter_model.safetensors"))
            upd_num = upd_den = 0.0
            for tname, init in initial[key].items():
                d_fl = np.asarray(fl["adapter_final"][tname]) - init.reshape(-1)
                d_fx = fx_final[tname].reshape(-1) - init.reshape(-1)
                upd_num += float(np.sum((d_fx - d_fl) ** 2))
                upd_den += float(np.sum(d_fl ** 2))
            table.info(name, "adapter update rel. error", f"{math.sqrt(upd_num / upd_den):.2e}",
                       "||dA_fx - dA_fl|| / ||dA_fl|| after the last step")
        except (ref.InputError, KeyError, OSError) as e:
            table.info(name, "adapter update rel. error", "n/a", str(e))

    # The built-in corpus: the fixed-point run alone must learn.
    tokenizer = os.path.join(model_dir, "tokenizer.model")
    if zklora is None:
        pass
    elif not os.path.exists(args.corpus):
        table.skip("corpus", "fixed loss drop on the corpus", f"no {args.corpus}")
    elif not os.path.exists(tokenizer):
        table.skip("corpus", "fixed loss drop on the corpus", "the model has no tokenizer.model")
    else:
        with open(args.corpus, encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f if line.strip()][:16]
        corpus_path = os.path.join(scratch, "corpus16.txt")
        with open(corpus_path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        run_dir = os.path.join(runs_dir, "corpus")
        shutil.rmtree(run_dir, ignore_errors=True)
        key, optimizer, lr = RUNS[STRONG_RUN]
        cmd = [zklora, "train", "--model", model_dir, "--data", corpus_path, "--steps", str(args.corpus_steps),
               "--batch", str(len(lines)), "--seq", str(args.seq), "--lr", repr(lr), "--optimizer", optimizer,
               "--init-adapter", adapters[key], "--out", run_dir, "--no-prove"]
        log = os.path.join(runs_dir, "corpus.engine.log")
        code, secs = run_engine(cmd, log, args.timeout)
        if code != 0:
            table.check("corpus", "engine run", code, "exit 0", False, log_tail(log))
        else:
            losses = read_engine_losses(run_dir)
            table.check("corpus", f"fixed loss drop over {args.corpus_steps} steps", f"{100 * drop(losses):.1f}%",
                        f">= {100 * DROP_STRONG:.0f}%", drop(losses) >= DROP_STRONG,
                        f"{len(lines)} lines, {optimizer} lr {lr:g}, {losses[0]:.3f} -> {losses[-1]:.3f}")

    print()
    table.print()
    print(f"\n{time.time() - t0:.1f} s")
    if table.failures:
        print("parity FAILED:")
        for line in table.failures:
            print("  " + line)
        return 1
    print("parity passed" + (" (reference only)" if zklora is None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
