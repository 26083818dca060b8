#!/usr/bin/python3
"""Float64 reference for LoRA fine-tuning of a Hugging Face LLaMA checkpoint (the parity baseline of the
fixed-point training engine, DESIGN.md section 3).

The model is written out here with the semantics of Hugging Face's LlamaForCausalLM: token embedding; per layer
RMSNorm (x * rsqrt(mean(x^2) + eps) * w), attention with rotate-half RoPE, causal mask and grouped-query heads
(kv head j serves query heads j*n_rep .. j*n_rep + n_rep - 1), softmax(Q K^T / sqrt(head_dim)), residual, RMSNorm,
SwiGLU MLP down(silu(gate(x)) * up(x)), residual; final RMSNorm; LM head (tied to the embedding when
tie_word_embeddings); no biases. LoRA as in PEFT: y = W x + (alpha / r) * B (A x) on the adapter's target
projections, base weights frozen, only A and B trained, no dropout. Everything is float64 (Hugging Face computes
RoPE's inv_freq, cos and sin in float32; that difference is below 1e-7 relative and not reproduced).

Loss: causal LM. Each example is truncated to its first S tokens or right-padded to S with pad_token_id; position
t predicts token t+1; the loss is the mean cross-entropy over every position t < S-1 of every example in the batch
whose target t+1 is a real token (Hugging Face's labels = -100 convention for padding). Padding is known from the
example's length, never from token values. Right padding under a causal mask cannot influence a real position, so
no attention mask is needed, and training runs each group of equal-length examples on its real tokens only
(bucketed_loss; the self-check compares it with the padded batch).

Optimizers are torch.optim's own: SGD (momentum M, dampening 0, no Nesterov; --weight-decay is SGD's coupled L2
term) and AdamW (betas 0.9, 0.999, eps 1e-8, bias correction, decoupled weight decay, default 0 as in Hugging
Face's Trainer). Optional clipping by the global L2 norm of all adapter gradients (clip_grad_norm_: scale by
C / (norm + 1e-6) when that is below 1) before the update.

Usage:
  /usr/bin/python3 tests/model/reference/reference_train.py --model DIR --data FILE.jsonl \\
      --init-adapter ADAPTER_DIR --steps N --batch B --seq S --lr LR --optimizer sgd|adamw \\
      [--momentum M] [--weight-decay WD] [--clip-norm C] --out OUT.json
  /usr/bin/python3 tests/model/reference/reference_train.py --self-check

DIR holds config.json and one or more *.safetensors (F32, F16, BF16; model.safetensors.index.json when present
names the shards). ADAPTER_DIR is a PEFT LoRA adapter (adapter_config.json with r, lora_alpha, target_modules;
adapter_model.safetensors with base_model.model.model.layers.{i}.{self_attn|mlp}.{q..down}_proj.lora_{A|B}.weight).
FILE.jsonl holds one JSON list of token ids per line. Batch b of step k holds examples [(k-1)*B mod n, ... + B) in
file order; B must equal n or divide it.

OUT.json: {"losses": [loss of step 1 before its update, ..., step N], "grads_step1": {peft name: flat row-major
list}, "adapter_final": {peft name: flat list}, ...}; grads_step1 is the gradient of the mean loss at step 1,
before clipping.

--self-check validates this file: safetensors round trips, the model against an independent loop-by-loop numpy
implementation, autograd gradients against central finite differences, and the optimizers against their written
formulas. It prints the measured errors and exits 0 when all pass, 1 otherwise.

Exit codes: 0 success, 1 a self-check failed, 2 bad usage or bad input.
"""

import argparse
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
BLOCK = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn", "o_proj": "self_attn",
         "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp"}


class InputError(Exception):
    """Bad usage or bad input (exit code 2)."""


def setup_torch(threads=2):
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(0)


# ---------------------------------------------------------------------------------------------------------------
# safetensors: u64 little-endian header length n, n bytes of JSON {name: {"dtype", "shape", "data_offsets":
# [begin, end]}, "__metadata__": {str: str}}, then the data; offsets are relative to the end of the header.

_NP_DTYPE = {"F64": "<f8", "F32": "<f4", "F16": "<f2"}
_ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2}


def read_safetensors(path):
    """Returns {name: float64 numpy array} for every tensor of the file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise InputError(f"{path}: truncated (no header length)")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise InputError(f"{path}: header length {n} exceeds the file size {len(blob)}")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: bad header: {e}") from e
    if not isinstance(header, dict):
        raise InputError(f"{path}: header is not a JSON object")
    data = memoryview(blob)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = info["dtype"], [int(d) for d in info["shape"]], info["data_offsets"]
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"{path}: tensor {name}: malformed entry {info!r}") from e
        if dtype not in _ITEMSIZE:
            raise InputError(f"{path}: tensor {name}: unsupported dtype {dtype}")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not 0 <= begin <= end <= len(data) or end - begin != count * _ITEMSIZE[dtype]:
            raise InputError(f"{path}: tensor {name}: data_offsets [{begin}, {end}] do not fit shape {shape} "
                             f"{dtype} in {len(data)} data bytes")
        raw = data[begin:end]
        if dtype == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_NP_DTYPE[dtype])
        out[name] = arr.astype(np.float64).reshape(shape)
    return out


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """Writes {name: array} with names sorted; BF16 rounds float32 to nearest even."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(np.asarray(tensors[name], dtype=np.float64))
        if dtype == "BF16":
            bits = arr.astype(np.float32).view(np.uint32).astype(np.uint64)
            raw = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2").tobytes()
        else:
            raw = arr.astype(_NP_DTYPE[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned, as the safetensors library writes it
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


# ---------------------------------------------------------------------------------------------------------------
# Model configuration and checkpoint

class Config:
    def __init__(self, cfg, where="config.json"):
        def need(key):
            if key not in cfg:
                raise InputError(f"{where}: missing {key}")
            return cfg[key]
        self.vocab = int(need("vocab_size"))
        self.d_model = int(need("hidden_size"))
        self.n_layers = int(need("num_hidden_layers"))
        self.n_heads = int(need("num_attention_heads"))
        self.n_kv_heads = int(cfg.get("num_key_value_heads") or self.n_heads)
        self.d_ffn = int(need("intermediate_size"))
        self.rope_theta = float(cfg.get("rope_theta", 10000.0))
        self.eps = float(cfg.get("rms_norm_eps", 1e-6))
        self.tie = bool(cfg.get("tie_word_embeddings", False))
        self.pad_id = int(cfg["pad_token_id"]) if cfg.get("pad_token_id") is not None else 0
        if min(self.vocab, self.d_model, self.n_layers, self.n_heads, self.n_kv_heads, self.d_ffn) <= 0:
            raise InputError(f"{where}: sizes must be positive")
        if self.d_model % self.n_heads or self.n_heads % self.n_kv_heads:
            raise InputError(f"{where}: heads must divide hidden_size and kv heads must divide heads")
        self.head_dim = self.d_model // self.n_heads
        if self.head_dim % 2:
            raise InputError(f"{where}: head_dim {self.head_dim} is odd (RoPE needs pairs)")
        if cfg.get("head_dim") not in (None, self.head_dim):
            raise InputError(f"{where}: head_dim {cfg['head_dim']} != hidden_size / num_attention_heads")
        if cfg.get("rope_scaling"):
            raise InputError(f"{where}: rope_scaling is not supported")
        if cfg.get("attention_bias") or cfg.get("mlp_bias"):
            raise InputError(f"{where}: biases are not supported")
        if cfg.get("hidden_act", "silu") != "silu":
            raise InputError(f"{where}: hidden_act {cfg['hidden_act']} is not silu")
        if not 0 <= self.pad_id < self.vocab:
            raise InputError(f"{where}: pad_token_id {self.pad_id} outside the vocabulary")

    def proj_shape(self, p):
        """(out, in) of projection p's base weight."""
        d, kv, f = self.d_model, self.n_kv_heads * self.head_dim, self.d_ffn
        return {"q_proj": (d, d), "k_proj": (kv, d), "v_proj": (kv, d), "o_proj": (d, d),
                "gate_proj": (f, d), "up_proj": (f, d), "down_proj": (d, f)}[p]


class Model:
    """Frozen float64 base weights."""

    def __init__(self, config, tensors, where):
        self.cfg = c = config

        def get(name, shape):
            if name not in tensors:
                raise InputError(f"{where}: missing tensor {name}")
            t = tensors[name]
            if tuple(t.shape) != tuple(shape):
                raise InputError(f"{where}: tensor {name} has shape {list(t.shape)}, expected {list(shape)}")
            return torch.tensor(t, dtype=torch.float64)

        self.embed = get("model.embed_tokens.weight", (c.vocab, c.d_model))
        self.layers = []
        for i in range(c.n_layers):
            pre = f"model.layers.{i}."
            layer = {"input_layernorm": get(pre + "input_layernorm.weight", (c.d_model,)),
                     "post_attention_layernorm": get(pre + "post_attention_layernorm.weight", (c.d_model,))}
            for p in PROJECTIONS:
                layer[p] = get(f"{pre}{BLOCK[p]}.{p}.weight", c.proj_shape(p))
            self.layers.append(layer)
        self.norm = get("model.norm.weight", (c.d_model,))
        self.lm_head = self.embed if c.tie else get("lm_head.weight", (c.vocab, c.d_model))


def load_model(model_dir):
    cfg_path = os.path.join(model_dir, "config.json")
    try:
        with open(cfg_path) as f:
            config = Config(json.load(f), cfg_path)
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"{cfg_path}: {e}") from e
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = sorted(n for n in os.listdir(model_dir) if n.endswith(".safetensors"))
    if not files:
        raise InputError(f"{model_dir}: no *.safetensors file")
    tensors = {}
    for name in files:
        path = os.path.join(model_dir, name)
        if not os.path.exists(path):
            raise InputError(f"{path}: listed in the index but missing")
        for k, v in read_safetensors(path).items():
            if k in tensors:
                raise InputError(f"{path}: tensor {k} appears in more than one file")
            tensors[k] = v
    return Model(config, tensors, model_dir)


# ---------------------------------------------------------------------------------------------------------------
# LoRA adapter (PEFT layout)

def peft_name(layer, proj, matrix):
    return f"base_model.model.model.layers.{layer}.{BLOCK[proj]}.{proj}.lora_{matrix}.weight"


class Adapter:
    """Trainable A (r, in) and B (out, r) per (layer, projection); names in PEFT order (layer, projection, A, B)."""

    def __init__(self, rank, alpha, targets, tensors):
        self.rank, self.alpha, self.targets = rank, alpha, targets
        self.scaling = alpha / rank
        self.params = {name: torch.tensor(t, dtype=torch.float64, requires_grad=True)
                       for name, t in tensors.items()}
        self.names = list(tensors)

    def pair(self, layer, proj):
        if proj not in self.targets:
            return None
        return self.params[peft_name(layer, proj, "A")], self.params[peft_name(layer, proj, "B")]


def load_adapter(adapter_dir, config):
    cfg_path = os.path.join(adapter_dir, "adapter_config.json")
    try:
        with open(cfg_path) as f:
            acfg = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"{cfg_path}: {e}") from e
    rank, alpha, modules = acfg.get("r"), acfg.get("lora_alpha"), acfg.get("target_modules")
    if not isinstance(rank, int) or rank <= 0 or not isinstance(alpha, (int, float)):
        raise InputError(f"{cfg_path}: needs a positive integer r and a number lora_alpha")
    if not isinstance(modules, list) or not modules:
        raise InputError(f"{cfg_path}: target_modules must be a non-empty list")
    targets = set()
    for m in modules:
        short = str(m).rsplit(".", 1)[-1]
        if short not in PROJECTIONS:
            raise InputError(f"{cfg_path}: unknown target module {m}")
        targets.add(short)
    for key in ("use_rslora", "use_dora", "layers_to_transform", "rank_pattern", "alpha_pattern"):
        if acfg.get(key):
            raise InputError(f"{cfg_path}: {key} is not supported")
    path = os.path.join(adapter_dir, "adapter_model.safetensors")
    stored = read_safetensors(path)
    tensors = {}
    for i in range(config.n_layers):
        for p in PROJECTIONS:
            if p not in targets:
                continue
            out_f, in_f = config.proj_shape(p)
            for matrix, shape in (("A", (rank, in_f)), ("B", (out_f, rank))):
                name = peft_name(i, p, matrix)
                if name not in stored:
                    raise InputError(f"{path}: missing tensor {name}")
                if tuple(stored[name].shape) != shape:
                    raise InputError(f"{path}: tensor {name} has shape {list(stored[name].shape)}, "
                                     f"expected {list(shape)}")
                tensors[name] = stored[name]
    extra = sorted(set(stored) - set(tensors))
    if extra:
        raise InputError(f"{path}: unexpected tensor {extra[0]}")
    return Adapter(rank, float(alpha), targets, tensors)


def write_adapter(adapter_dir, rank, alpha, targets, tensors, base_model=""):
    """Writes a PEFT adapter directory from {peft name: array}."""
    os.makedirs(adapter_dir, exist_ok=True)
    cfg = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": alpha, "lora_dropout": 0.0,
           "target_modules": [p for p in PROJECTIONS if p in targets], "bias": "none", "fan_in_fan_out": False,
           "base_model_name_or_path": base_model, "inference_mode": True}
    with open(os.path.join(adapter_dir, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), tensors)


# ---------------------------------------------------------------------------------------------------------------
# Forward pass and loss

def linear(x, w, lora, scaling):
    """x (..., in) -> (..., out): W x + scaling * B (A x)."""
    y = x @ w.T
    if lora is not None:
        a, b = lora
        y = y + scaling * ((x @ a.T) @ b.T)
    return y


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(seq, head_dim, theta):
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)  # (head_dim/2,)
    freqs = torch.outer(torch.arange(seq, dtype=torch.float64), inv_freq)  # (seq, head_dim/2)
    emb = torch.cat((freqs, freqs), dim=-1)  # (seq, head_dim)
    return emb.cos(), emb.sin()


def forward_logits(model, adapter, tokens):
    """tokens (b, s) int64 -> logits (b, s, vocab)."""
    c = model.cfg
    b, s = tokens.shape
    nh, nkv, hd = c.n_heads, c.n_kv_heads, c.head_dim
    scaling = adapter.scaling if adapter is not None else 0.0
    lora = (lambda i, p: adapter.pair(i, p)) if adapter is not None else (lambda i, p: None)
    cos, sin = rope_cos_sin(s, hd, c.rope_theta)  # (s, hd)
    causal = torch.ones(s, s, dtype=torch.bool).triu(1)  # True above the diagonal: a later key, masked
    h = model.embed[tokens]  # (b, s, d)
    for i, layer in enumerate(model.layers):
        x = rms_norm(h, layer["input_layernorm"], c.eps)  # (b, s, d)
        q = linear(x, layer["q_proj"], lora(i, "q_proj"), scaling).view(b, s, nh, hd).transpose(1, 2)  # (b,nh,s,hd)
        k = linear(x, layer["k_proj"], lora(i, "k_proj"), scaling).view(b, s, nkv, hd).transpose(1, 2)  # (b,nkv,s,hd)
        v = linear(x, layer["v_proj"], lora(i, "v_proj"), scaling).view(b, s, nkv, hd).transpose(1, 2)  # (b,nkv,s,hd)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=1)  # (b, nh, s, hd)
        v = v.repeat_interleave(nh // nkv, dim=1)  # (b, nh, s, hd)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)  # (b, nh, s, s)
        probs = torch.softmax(scores.masked_fill(causal, float("-inf")), dim=-1)  # (b, nh, s, s)
        attn = (probs @ v).transpose(1, 2).reshape(b, s, nh * hd)  # (b, s, d)
        h = h + linear(attn, layer["o_proj"], lora(i, "o_proj"), scaling)
        x = rms_norm(h, layer["post_attention_layernorm"], c.eps)  # (b, s, d)
        gate = linear(x, layer["gate_proj"], lora(i, "gate_proj"), scaling)  # (b, s, f)
        up = linear(x, layer["up_proj"], lora(i, "up_proj"), scaling)  # (b, s, f)
        h = h + linear(F.silu(gate) * up, layer["down_proj"], lora(i, "down_proj"), scaling)  # (b, s, d)
    h = rms_norm(h, model.norm, c.eps)
    return h @ model.lm_head.T  # (b, s, vocab)


def causal_lm_loss(logits, tokens, lengths):
    """Mean cross-entropy of position t predicting token t+1 over real targets (t+1 < length)."""
    b, s, vocab = logits.shape
    target_pos = torch.arange(1, s).unsqueeze(0)  # (1, s-1)
    real = target_pos < lengths.unsqueeze(1)  # (b, s-1)
    labels = torch.where(real, tokens[:, 1:], torch.full_like(tokens[:, 1:], -100))
    return F.cross_entropy(logits[:, :-1].reshape(-1, vocab), labels.reshape(-1), ignore_index=-100)


def batch_loss(model, adapter, tokens, lengths):
    """The loss of the padded batch, computed as Hugging Face computes it."""
    return causal_lm_loss(forward_logits(model, adapter, tokens), tokens, lengths)


def bucketed_loss(model, adapter, tokens, lengths):
    """The same mean loss without computing padding: under the causal mask, with positions counted from 0, a real
    position never sees a later one, so each group of examples of equal length L runs on its first L tokens. The
    self-check compares it with batch_loss. Saves the third of the work that padding costs."""
    total, count = 0.0, 0
    for length in sorted(set(int(n) for n in lengths)):
        if length < 2:
            continue
        rows = (lengths == length).nonzero().flatten()
        toks = tokens[rows, :length]  # (b_L, L)
        logits = forward_logits(model, adapter, toks)  # (b_L, L, vocab)
        total = total + F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), toks[:, 1:].reshape(-1),
                                        reduction="sum")
        count += toks.shape[0] * (length - 1)
    return total / count


# ---------------------------------------------------------------------------------------------------------------
# Data and training

def load_jsonl(path, vocab):
    examples = []
    try:
        with open(path) as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    ids = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError(f"{path}:{lineno}: {e}") from e
                if not isinstance(ids, list) or not all(isinstance(t, int) and 0 <= t < vocab for t in ids):
                    raise InputError(f"{path}:{lineno}: not a list of token ids in [0, {vocab})")
                examples.append(ids)
    except OSError as e:
        raise InputError(f"{path}: {e}") from e
    if not examples:
        raise InputError(f"{path}: no examples")
    return examples


def make_batch(examples, seq, pad_id):
    """Truncates or right-pads every example to seq: (tokens (b, seq), lengths (b,))."""
    tokens = torch.full((len(examples), seq), pad_id, dtype=torch.int64)
    lengths = torch.zeros(len(examples), dtype=torch.int64)
    for j, ids in enumerate(examples):
        ids = ids[:seq]
        tokens[j, :len(ids)] = torch.tensor(ids, dtype=torch.int64)
        lengths[j] = len(ids)
    return tokens, lengths


def batch_indices(step, batch, n):
    """Examples of 1-based step `step`: [(step-1)*batch mod n, ... + batch)."""
    start = ((step - 1) * batch) % n
    return list(range(start, start + batch))


def make_optimizer(params, name, lr, momentum=0.0, weight_decay=0.0):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, dampening=0.0, nesterov=False,
                               weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay,
                                 amsgrad=False)
    raise InputError(f"unknown optimizer {name}")


def train(model, adapter, examples, steps, batch, seq, lr, optimizer, momentum=0.0, weight_decay=0.0,
          clip_norm=None):
    n = len(examples)
    if batch <= 0 or batch > n or n % batch:
        raise InputError(f"--batch {batch} must equal the number of examples ({n}) or divide it")
    if seq < 2:
        raise InputError("--seq must be at least 2")
    if momentum and optimizer != "sgd":
        raise InputError("--momentum applies to sgd only")
    params = [adapter.params[name] for name in adapter.names]
    opt = make_optimizer(params, optimizer, lr, momentum, weight_decay)
    losses, grads_step1 = [], None
    for step in range(1, steps + 1):
        tokens, lengths = make_batch([examples[j] for j in batch_indices(step, batch, n)], seq, model.cfg.pad_id)
        if int((lengths.clamp(max=seq) - 1).clamp(min=0).sum()) == 0:
            raise InputError(f"step {step}: the batch has no real target token")
        opt.zero_grad(set_to_none=True)
        loss = bucketed_loss(model, adapter, tokens, lengths)
        loss.backward()
        losses.append(loss.item())
        if step == 1:
            grads_step1 = {name: adapter.params[name].grad.detach().clone() for name in adapter.names}
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, clip_norm)
        opt.step()
    final = {name: adapter.params[name].detach().clone() for name in adapter.names}
    return losses, grads_step1, final


def run(argv):
    ap = argparse.ArgumentParser(description="Float64 LoRA fine-tuning reference (Hugging Face LLaMA semantics).")
    ap.add_argument("--model")
    ap.add_argument("--data")
    ap.add_argument("--init-adapter")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--seq", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--optimizer", choices=("sgd", "adamw"))
    ap.add_argument("--momentum", type=float, default=0.0)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--clip-norm", type=float, default=None)
    ap.add_argument("--out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--self-check", action="store_true", help="validate this reference and exit")
    args = ap.parse_args(argv)
    setup_torch(args.threads)
    if args.self_check:
        return self_check()
    missing = [opt for opt in ("model", "data", "init_adapter", "steps", "batch", "seq", "lr", "optimizer", "out")
               if getattr(args, opt) is None]
    if missing:
        ap.error("missing " + ", ".join("--" + m.replace("_", "-") for m in missing))
    if args.steps < 1:
        ap.error("--steps must be at least 1")
    if args.clip_norm is not None and args.clip_norm <= 0:
        ap.error("--clip-norm must be positive")
    model = load_model(args.model)
    adapter = load_adapter(args.init_adapter, model.cfg)
    examples = load_jsonl(args.data, model.cfg.vocab)
    losses, grads, final = train(model, adapter, examples, args.steps, args.batch, args.seq, args.lr,
                                 args.optimizer, args.momentum, args.weight_decay, args.clip_norm)
    result = {
        "losses": losses,
        "grads_step1": {k: v.flatten().tolist() for k, v in grads.items()},
        "adapter_final": {k: v.flatten().tolist() for k, v in final.items()},
        "shapes": {k: list(v.shape) for k, v in final.items()},
        "options": {"steps": args.steps, "batch": args.batch, "seq": args.seq, "lr": args.lr,
                    "optimizer": args.optimizer, "momentum": args.momentum, "weight_decay": args.weight_decay,
                    "clip_norm": args.clip_norm, "rank": adapter.rank, "alpha": adapter.alpha,
                    "targets": [p for p in PROJECTIONS if p in adapter.targets], "examples": len(examples)},
    }
    with open(args.out, "w") as f:
        json.dump(result, f)
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Test fixtures shared with parity_check.py

def tiny_config(d_model=128, n_layers=4, n_heads=4, n_kv_heads=2, d_ffn=512, vocab=512, max_pos=256,
                tie=False, eps=1e-5, theta=10000.0, pad=3):
    """config.json of a small LLaMA; the defaults are the project's `tiny` shape (docs/model_io.md)."""
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab,
            "hidden_size": d_model, "num_hidden_layers": n_layers, "num_attention_heads": n_heads,
            "num_key_value_heads": n_kv_heads, "intermediate_size": d_ffn, "max_position_embeddings": max_pos,
            "rope_theta": theta, "rms_norm_eps": eps, "tie_word_embeddings": tie, "hidden_act": "silu",
            "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": pad, "torch_dtype": "float32"}


def random_weights(cfg_dict, seed, std=0.02, norm=None):
    """HF tensor names -> arrays: weights normal(0, std) with the padding row of the embedding zero (as
    transformers initializes it); norms 1.0 (or normal(1, norm) when norm is given)."""
    c = Config(cfg_dict)
    rng = np.random.default_rng(seed)
    t = {"model.embed_tokens.weight": rng.normal(0.0, std, (c.vocab, c.d_model))}
    t["model.embed_tokens.weight"][c.pad_id] = 0.0
    norm_w = (lambda: np.ones(c.d_model)) if norm is None else (lambda: rng.normal(1.0, norm, c.d_model))
    for i in range(c.n_layers):
        pre = f"model.layers.{i}."
        t[pre + "input_layernorm.weight"] = norm_w()
        for p in PROJECTIONS:
            t[f"{pre}{BLOCK[p]}.{p}.weight"] = rng.normal(0.0, std, c.proj_shape(p))
        t[pre + "post_attention_layernorm.weight"] = norm_w()
    t["model.norm.weight"] = norm_w()
    if not c.tie:
        t["lm_head.weight"] = rng.normal(0.0, std, (c.vocab, c.d_model))
    return t


def random_adapter(cfg_dict, targets, rank, seed, b_std=0.02):
    """A ~ U(-1/sqrt(in), 1/sqrt(in)) (PEFT's kaiming-uniform bound), B ~ normal(0, b_std), non-zero."""
    c = Config(cfg_dict)
    rng = np.random.default_rng(seed)
    t = {}
    for i in range(c.n_layers):
        for p in PROJECTIONS:
            if p in targets:
                out_f, in_f = c.proj_shape(p)
                bound = 1.0 / math.sqrt(in_f)
                t[peft_name(i, p, "A")] = rng.uniform(-bound, bound, (rank, in_f))
                t[peft_name(i, p, "B")] = rng.normal(0.0, b_std, (out_f, rank))
    return t


def write_model(model_dir, cfg_dict, tensors, dtype="F32", shards=1):
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(cfg_dict, f, indent=2)
    if shards == 1:
        write_safetensors(os.path.join(model_dir, "model.safetensors"), tensors, dtype, {"format": "pt"})
        return
    names = sorted(tensors)
    weight_map = {}
    for s in range(shards):
        part = names[s::shards]
        fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        write_safetensors(os.path.join(model_dir, fname), {n: tensors[n] for n in part}, dtype, {"format": "pt"})
        weight_map.update({n: fname for n in part})
    with open(os.path.join(model_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)


# ---------------------------------------------------------------------------------------------------------------
# Self-check

def loop_forward_loss(cfg_dict, weights, adapter_np, scaling, examples, seq):
    """An independent, loop-by-loop numpy implementation of the whole model and the loss: per position and head,
    RoPE as explicit rotations of the pairs (j, j + head_dim/2), attention as explicit sums over earlier keys."""
    c = Config(cfg_dict)
    hd, nrep = c.head_dim, c.n_heads // c.n_kv_heads
    lm_head = weights["model.embed_tokens.weight"] if c.tie else weights["lm_head.weight"]

    def norm(x, w):
        return w * x / math.sqrt(sum(v * v for v in x) / len(x) + c.eps)

    def proj(i, p, x):
        w = weights[f"model.layers.{i}.{BLOCK[p]}.{p}.weight"]
        y = w.dot(x)
        key_a = peft_name(i, p, "A")
        if key_a in adapter_np:
            y = y + scaling * adapter_np[peft_name(i, p, "B")].dot(adapter_np[key_a].dot(x))
        return y

    def rope(vec, pos):
        out = vec.copy()
        for j in range(hd // 2):
            angle = pos * c.rope_theta ** (-2.0 * j / hd)
            a, b = vec[j], vec[j + hd // 2]
            out[j] = a * math.cos(angle) - b * math.sin(angle)
            out[j + hd // 2] = b * math.cos(angle) + a * math.sin(angle)
        return out

    total, count, all_logits = 0.0, 0, []
    for ids in examples:
        length = min(len(ids), seq)
        toks = list(ids[:length]) + [c.pad_id] * (seq - length)
        h = [weights["model.embed_tokens.weight"][t].copy() for t in toks]
        for i in range(c.n_layers):
            xs = [norm(h[t], weights[f"model.layers.{i}.input_layernorm.weight"]) for t in range(seq)]
            qs = [proj(i, "q_proj", x) for x in xs]
            ks = [proj(i, "k_proj", x) for x in xs]
            vs = [proj(i, "v_proj", x) for x in xs]
            attn = [np.zeros(c.d_model) for _ in range(seq)]
            for head in range(c.n_heads):
                kvh = head // nrep
                for t in range(seq):
                    q = rope(qs[t][head * hd:(head + 1) * hd], t)
                    scores = []
                    for u in range(t + 1):
                        k = rope(ks[u][kvh * hd:(kvh + 1) * hd], u)
                        scores.append(sum(q[j] * k[j] for j in range(hd)) / math.sqrt(hd))
                    top = max(scores)
                    ex = [math.exp(sc - top) for sc in scores]
                    z = sum(ex)
                    for u in range(t + 1):
                        attn[t][head * hd:(head + 1) * hd] += (ex[u] / z) * vs[u][kvh * hd:(kvh + 1) * hd]
            h = [h[t] + proj(i, "o_proj", attn[t]) for t in range(seq)]
            for t in range(seq):
                x = norm(h[t], weights[f"model.layers.{i}.post_attention_layernorm.weight"])
                g, up = proj(i, "gate_proj", x), proj(i, "up_proj", x)
                act = np.array([gv / (1.0 + math.exp(-gv)) * uv for gv, uv in zip(g, up)])
                h[t] = h[t] + proj(i, "down_proj", act)
        logits = [lm_head.dot(norm(h[t], weights["model.norm.weight"])) for t in range(seq)]
        all_logits.append(np.array(logits))
        for t in range(length - 1):
            top = max(logits[t])
            lse = top + math.log(sum(math.exp(v - top) for v in logits[t]))
            total += lse - logits[t][toks[t + 1]]
            count += 1
    return total / count, np.array(all_logits)


def _max_rel(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def self_check():
    ok = True

    def report(name, value, bound):
        nonlocal ok
        passed = value < bound
        ok &= passed
        print(f"  {'ok  ' if passed else 'FAIL'} {name:<68} {value:.3e}  (< {bound:.0e})")

    with tempfile.TemporaryDirectory() as tmp:
        print("safetensors")
        rng = np.random.default_rng(7)
        sample = {"a": rng.normal(size=(3, 5)), "b.weight": rng.normal(size=(7,)), "c": np.array(1.5)}
        for dtype, bound in (("F32", 1e-7), ("F16", 1e-3), ("BF16", 4e-3)):
            path = os.path.join(tmp, f"t_{dtype}.safetensors")
            write_safetensors(path, sample, dtype, {"format": "pt"})
            back = read_safetensors(path)
            err = max(_max_rel(back[k], sample[k]) for k in sample)
            report(f"{dtype} round trip, max relative error", err, bound)
        bf = np.array([1.0, -2.5, 3.140625, 0.0], dtype=np.float64)
        path = os.path.join(tmp, "bf.safetensors")
        write_safetensors(path, {"x": bf}, "BF16")
        report("BF16 exact values round trip exactly", float(np.max(np.abs(read_safetensors(path)["x"] - bf))),
               1e-300)
        with open(path, "rb") as f:
            blob = f.read()
        with open(path, "wb") as f:
            f.write(blob[:-1])
        try:
            read_safetensors(path)
            report("truncated file is rejected", 1.0, 0.5)
        except InputError:
            report("truncated file is rejected", 0.0, 0.5)

        print("model against an independent loop implementation (GQA 4/2 heads, padding)")
        examples = [[3, 17, 5, 9, 28, 11, 2], [4, 4, 30], [7, 1, 12, 19, 25, 6, 13, 22, 8]]
        seq = 7
        for tie in (False, True):
            cfg = tiny_config(d_model=16, n_layers=2, n_heads=4, n_kv_heads=2, d_ffn=24, vocab=32, tie=tie)
            weights = random_weights(cfg, seed=11, std=0.3, norm=0.2)
            ad_np = random_adapter(cfg, set(PROJECTIONS), rank=2, seed=12, b_std=0.3)
            model_dir = os.path.join(tmp, f"m{int(tie)}")
            write_model(model_dir, cfg, weights, "F32" if tie else "BF16", shards=1 if tie else 3)
            model = load_model(model_dir)
            w_np = read_safetensors_dir(model_dir)  # the weights as stored (BF16-rounded in one case)
            adapter = Adapter(2, 4.0, set(PROJECTIONS), ad_np)
            tokens, lengths = make_batch(examples, seq, model.cfg.pad_id)
            with torch.no_grad():
                logits = forward_logits(model, adapter, tokens)
                loss = causal_lm_loss(logits, tokens, lengths).item()
            ref_loss, ref_logits = loop_forward_loss(cfg, w_np, ad_np, 2.0, examples, seq)
            real = (torch.arange(seq).unsqueeze(0) < lengths.unsqueeze(1)).numpy()
            report(f"logits of real positions, max rel. error ({'tied' if tie else 'untied, BF16, 3 shards'})",
                   _max_rel(logits.numpy()[real], ref_logits[real]), 1e-12)
            report(f"loss, relative error ({'tied' if tie else 'untied'})", abs(loss - ref_loss) / ref_loss, 1e-12)
            pad_only = make_batch([examples[1]], seq, model.cfg.pad_id)
            with torch.no_grad():
                alone = forward_logits(model, adapter, pad_only[0])[0, :3]
                other = make_batch([examples[1] + [31, 31, 31, 31]], seq, model.cfg.pad_id)
                longer = forward_logits(model, adapter, other[0])[0, :3]
            report("later tokens do not change earlier logits (causality)",
                   _max_rel(alone.numpy(), longer.numpy()), 1e-14)
            g_pad = gradients(model, adapter, examples, seq, batch_loss)
            g_bkt = gradients(model, adapter, examples, seq, bucketed_loss)
            with torch.no_grad():
                l_bkt = bucketed_loss(model, adapter, tokens, lengths).item()
            report("loss without padding work (bucketed) vs padded batch, rel.", abs(l_bkt - loss) / loss, 1e-14)
            report("its gradients vs the padded batch's, max rel.",
                   max(_max_rel(g_bkt[k].numpy(), g_pad[k].numpy()) for k in g_pad), 1e-12)

        print("autograd gradients against central finite differences (all seven targets, h = 1e-5)")
        cfg = tiny_config(d_model=16, n_layers=2, n_heads=4, n_kv_heads=2, d_ffn=24, vocab=32, tie=False)
        model = Model(Config(cfg), random_weights(cfg, seed=21, std=0.3, norm=0.2), "random")
        adapter = Adapter(2, 4.0, set(PROJECTIONS), random_adapter(cfg, set(PROJECTIONS), 2, seed=22, b_std=0.3))
        tokens, lengths = make_batch(examples, seq, model.cfg.pad_id)
        loss = batch_loss(model, adapter, tokens, lengths)
        loss.backward()
        worst_rel, worst_name, num, den, count = 0.0, "", 0.0, 0.0, 0
        h = 1e-5
        with torch.no_grad():
            for name in adapter.names:
                p = adapter.params[name]
                fd = torch.zeros_like(p)
                flat, fd_flat = p.view(-1), fd.view(-1)
                for j in range(flat.numel()):
                    keep = flat[j].item()
                    flat[j] = keep + h
                    up = batch_loss(model, adapter, tokens, lengths).item()
                    flat[j] = keep - h
                    down = batch_loss(model, adapter, tokens, lengths).item()
                    flat[j] = keep
                    fd_flat[j] = (up - down) / (2 * h)
                g = p.grad
                rel = (torch.linalg.norm(g - fd) / torch.linalg.norm(fd)).item()
                if rel > worst_rel:
                    worst_rel, worst_name = rel, name
                num += torch.sum((g - fd) ** 2).item()
                den += torch.sum(fd ** 2).item()
                count += flat.numel()
        report(f"all {count} adapter entries: ||g - fd|| / ||fd||", math.sqrt(num / den), 1e-6)
        report(f"worst tensor ({worst_name.replace('base_model.model.model.', '')})", worst_rel, 1e-6)

        print("optimizers against their formulas (3 steps, clipping at half the gradient norm)")
        data = [examples[0], examples[2], [5, 6, 7, 8, 9, 10, 11, 12], examples[1]]
        ad_np = random_adapter(cfg, {"q_proj", "v_proj", "down_proj"}, 2, seed=23, b_std=0.3)
        for opt_name, momentum, wd in (("sgd", 0.0, 0.0), ("sgd", 0.9, 0.0), ("adamw", 0.0, 0.0),
                                       ("adamw", 0.0, 0.1)):
            lr = 0.5 if opt_name == "sgd" else 0.01
            first = Adapter(2, 4.0, {"q_proj", "v_proj", "down_proj"}, ad_np)
            g1 = gradients(model, first, data[:2], seq)
            clip = 0.5 * math.sqrt(sum(float((g ** 2).sum()) for g in g1.values()))
            ad = Adapter(2, 4.0, {"q_proj", "v_proj", "down_proj"}, ad_np)
            _, _, final = train(model, ad, data, 3, 2, seq, lr, opt_name, momentum, wd, clip)
            expect = manual_train(model, ad_np, data, 3, 2, seq, lr, opt_name, momentum, wd, clip)
            err = max(_max_rel(final[k].numpy(), expect[k]) for k in expect)
            report(f"{opt_name} momentum {momentum} weight decay {wd}: adapter after 3 steps, max rel.", err, 1e-12)

    print("self-check " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def read_safetensors_dir(model_dir):
    out = {}
    for name in sorted(os.listdir(model_dir)):
        if name.endswith(".safetensors"):
            out.update(read_safetensors(os.path.join(model_dir, name)))
    return out


def gradients(model, adapter, examples, seq, loss_fn=None):
    tokens, lengths = make_batch(examples, seq, model.cfg.pad_id)
    for p in adapter.params.values():
        p.grad = None
    (loss_fn or bucketed_loss)(model, adapter, tokens, lengths).backward()
    return {k: p.grad.detach().clone() for k, p in adapter.params.items()}


def manual_train(model, ad_np, examples, steps, batch, seq, lr, opt, momentum, wd, clip):
    """SGD and AdamW written out (torch.optim's documented algorithms) with clip_grad_norm_, for the self-check."""
    theta = {k: torch.tensor(v) for k, v in ad_np.items()}
    targets = {k.split(".")[-3] for k in ad_np}
    rank = next(v.shape[0] for k, v in ad_np.items() if k.endswith("lora_A.weight"))
    buf = {k: None for k in theta}
    m = {k: torch.zeros_like(v) for k, v in theta.items()}
    v2 = {k: torch.zeros_like(v) for k, v in theta.items()}
    for step in range(1, steps + 1):
        ad = Adapter(rank, 4.0, targets, {k: t.numpy() for k, t in theta.items()})
        g = gradients(model, ad, [examples[j] for j in batch_indices(step, batch, len(examples))], seq)
        norm = math.sqrt(sum(float((x ** 2).sum()) for x in g.values()))
        coef = min(1.0, clip / (norm + 1e-6))
        g = {k: x * coef for k, x in g.items()}
        for k in theta:
            if opt == "sgd":
                d = g[k] + wd * theta[k]
                if momentum:
                    buf[k] = d.clone() if buf[k] is None else momentum * buf[k] + d
                    d = buf[k]
                theta[k] = theta[k] - lr * d
            else:
                theta[k] = theta[k] * (1 - lr * wd)
                m[k] = 0.9 * m[k] + 0.1 * g[k]
                v2[k] = 0.999 * v2[k] + 0.001 * g[k] ** 2
                m_hat = m[k] / (1 - 0.9 ** step)
                v_hat = v2[k] / (1 - 0.999 ** step)
                theta[k] = theta[k] - lr * m_hat / (v_hat.sqrt() + 1e-8)
    return {k: t.numpy() for k, t in theta.items()}


def main_args(argv):
    try:
        return run(argv)
    except InputError as e:
        print(f"reference_train: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main_args(sys.argv[1:]))
