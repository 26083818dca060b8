// `zklora bench prove --what linear[,forward,step] [--shapes tiny,llama-2-7b-layer] [--json]`: step proofs
// (step/step_proof.h) in the zero-knowledge channel, as sub-proofs (step/parts.h), on the tiny model (every part:
// embedding, 4 layers, head and update, seq 64) and on one llama-2-7b-shaped decoder layer at sequence 128: the
// LAYER sub-proof of the second layer of a 2-layer model of llama-2-7b's shape (the per-layer figure of a whole
// model's step), its neighbours' cuts given (the residual stream entering it the embedding of the batch, the
// gradient at its output uniform in [-2^16, 2^16) at the grad scale).
//   linear:  the linear backbone, the non-linear outputs as committed unproven inputs (the reference);
//   forward: the whole forward pass (and, for the tiny model, the loss), nothing unproven;
//   step:    a whole training step (AdamW, lr 1e-3, weight decay 0.01, step 1): forward pass, loss, backward pass
//            and update.
// Per (what, shape): commit_s (base weights, adapter, batch; made once per shape, the same in each of its rows),
// witness_s (the engine's unproven computation of the same work: the whole step for the tiny model, the layer's
// forward pass, or forward and backward passes, for the 7b layer; the median of three runs, each in
// witness_runs_s), prove_s (the engine's pass, the header's commitments and every sub-proof proven: what the
// prover does), verify_ms, proof_bytes (the header's commitments and the sub-proofs), peak_rss_mb (of the process so
// far), prove_over_witness, the sub-proofs (count, the largest's name, time and bytes) and the prover's phases
// summed over them (graph.h GraphProfile, plus engine_s, header_s and prover_witness_s). For the tiny model also the
// once-per-model proof that its weight commitment is well formed (step/weight_check.h), which the verifier then
// takes as checked; the 7b layer's weights are trusted. When both are measured, forward_over_linear and
// step_over_linear compare their prove times per shape, in the same run, each proof measured after a warm-up
// proof (a row with "warmup": true) so that the order does not skew them.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "bench_model.h"
#include "zklora/base/timer.h"
#include "zklora/cli/cli.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/kernels.h"
#include "zklora/model/deterministic_rng.h"
#include "zklora/model/init_model.h"
#include "zklora/model/llama.h"
#include "zklora/model/optimizer.h"
#include "zklora/step/step_proof.h"
#include "zklora/step/weight_check.h"
#include "zklora/step/weight_commitment.h"

namespace zklora {
namespace {

// Uniform in [-0.02, 0.02) at the weight scale: the initializer range of the llama-2 shapes.
constexpr int32_t kLo = -1311, kHi = 1311;
// The layer a one-layer shape proves: the second of two, which has an input gradient like every layer but the first.
constexpr int64_t kBenchLayer = 1;

struct BenchModel {
  ModelConfig cfg;
  ModelWeights weights;
  AdapterTensors adapter;
  Batch batch;
  bool one_layer;           // prove LAYER kBenchLayer alone
  ITensor output_gradient;  // one_layer: the gradient at the layer's output
};

OptimizerConfig bench_optimizer() {
  OptimizerConfig o;
  o.kind = OptimizerKind::ADAMW;
  o.lr = 1e-3;
  o.weight_decay = 0.01;
  return o;
}

StepMode mode_of(const std::string& what) {
  if (what == "forward") return StepMode::FORWARD;
  if (what == "step") return StepMode::STEP;
  return StepMode::LINEAR_BACKBONE;
}

LayerContext layer_context(const BenchModel& bm, const RopeTable& rope, const std::vector<int64_t>& positions) {
  const ModelConfig& cfg = bm.cfg;
  return {cfg, lora_scale_fixed(bm.adapter.config), rope, positions,
          AttentionShape{1, bm.batch.seq, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim()}};
}

// The one layer's part of the engine's pass: h_l (the batch's embedding), h_{l+1} and, in a STEP, dh_l and the
// layer's adapter gradients from the given dh_{l+1}; the other cuts of the header zero (no part reading them is
// proven). What the engine computes here is the witness_s the proof is measured against.
EnginePass one_layer_pass(const BenchModel& bm, const StepStatement& s) {
  const ModelConfig& cfg = bm.cfg;
  const RopeTable rope = make_rope_table(bm.batch.seq, cfg.head_dim(), cfg.rope_theta);
  std::vector<int64_t> positions;
  for (int64_t t = 0; t < bm.batch.seq; ++t) positions.push_back(t);
  const LayerContext ctx = layer_context(bm, rope, positions);
  EnginePass p;
  for (const CutSpec& c : step_plan(s).cuts) {
    if (c.key.kind == TensorKind::ONE_HOT) continue;
    int64_t n = 1;
    for (const uint64_t d : c.dims) n *= static_cast<int64_t>(d);
    p.cuts[c.key] = std::vector<int64_t>(static_cast<size_t>(n), 0);
  }
  const int64_t l = kBenchLayer;
  ITensor h = embedding_rows(bm.weights.embed, bm.batch.tokens);
  p.cuts[TensorKey::residual(l)] = h.data;
  const auto w = bm.weights.layer(l);
  const LayerCache cache = layer_forward(ctx, *w, bm.adapter, l, h);
  p.cuts[TensorKey::residual(l + 1)] = h.data;
  p.adapter = bm.adapter;
  p.optimizer = OptimizerState::zeros_for(bm.adapter, s.optimizer);
  if (!s.updates()) return p;
  AdapterTensors grads = AdapterTensors::zeros_like(bm.adapter);
  p.cuts[TensorKey::residual_grad(l + 1)] = bm.output_gradient.data;
  const ITensor dh = layer_backward(ctx, *w, bm.adapter, l, cache, bm.output_gradient, grads, true);
  p.cuts[TensorKey::residual_grad(l)] = dh.data;
  for (const Projection pr : s.lora.targets) {
    for (const bool is_a : {true, false}) {
      p.cuts[TensorKey::adapter(TensorKind::ADAPTER_GRAD, l, pr, is_a)] =
          (is_a ? grads.a_of(l, pr) : grads.b_of(l, pr)).data;
    }
  }
  p.count = batch_count(bm.batch);
  return p;
}

// The engine's unproven computation of what the proof covers (witness_s).
void engine_work(const BenchModel& bm, const StepStatement& s) {
  if (bm.one_layer) {
    (void)one_layer_pass(bm, s);
    return;
  }
  if (s.updates()) {
    StepResult r = forward_backward(bm.weights, bm.adapter, bm.batch);
    AdapterTensors params = bm.adapter;
    OptimizerState state = OptimizerState::zeros_for(params, bench_optimizer());
    optimizer_step(bench_optimizer(), params, state, r.grads, r.count);
    return;
  }
  (void)engine_pass(s, {bm.weights, bm.adapter, bm.batch});
}

BenchModel make_model(ModelConfig cfg, int64_t seq, bool one_layer) {
  SplitMix64 rng(7);
  std::vector<std::shared_ptr<const LayerWeights>> layers;
  for (int64_t l = 0; l < cfg.n_layers; ++l) {
    // One layer proven alone: its neighbours are never read, and share its weights.
    if (one_layer && l > 0) {
      layers.push_back(layers.front());
    } else {
      layers.push_back(std::make_shared<const LayerWeights>(bench_random_layer(cfg, rng, kLo, kHi)));
    }
  }
  // One layer of a large model reads no embedding: only the rows of the ids used (below 256) are made.
  const int64_t embed_rows = one_layer ? 256 : cfg.vocab_size;
  ModelWeights weights = ModelWeights::resident(
      cfg, bench_uniform_weights({embed_rows, cfg.d_model}, rng, kLo, kHi), bench_ones(cfg.d_model),
      one_layer ? WTensor() : bench_uniform_weights({cfg.vocab_size, cfg.d_model}, rng, kLo, kHi), std::move(layers));
  AdapterTensors adapter = init_adapter(cfg, LoraConfig{}, 2);
  bench_randomize_b(adapter, rng);
  std::vector<std::vector<int32_t>> seqs(1, std::vector<int32_t>(static_cast<size_t>(seq)));
  for (int32_t& t : seqs[0]) {
    t = static_cast<int32_t>(4 + rng.below(static_cast<uint64_t>(std::min<int64_t>(embed_rows, cfg.vocab_size) - 4)));
  }
  Batch batch = make_batch(seqs, seq, cfg);
  ITensor dh;
  if (one_layer) {
    dh = ITensor({seq, cfg.d_model});
    for (int64_t& x : dh.data) x = static_cast<int64_t>(rng.below(uint64_t{1} << 17)) - (int64_t{1} << 16);
  }
  return {cfg, std::move(weights), std::move(adapter), std::move(batch), one_layer, std::move(dh)};
}

// The commitments every proof of a shape starts from (base weights, adapter, batch), made once per shape: they do
// not depend on what is proven, and the 7b layer's take two minutes.
struct BenchCommitments {
  ProverCommitments commitments;
  double commit_s = 0;
};

BenchCommitments commit_bench_model(const BenchModel& bm) {
  Stopwatch sw;
  ProverCommitments c;
  if (bm.one_layer) {
    const auto layer = bm.weights.layer(kBenchLayer);
    for (const Projection pr : kAllProjections) {
      c.emplace(TensorKey::projection(kBenchLayer, pr).name(), commit_weight_tensor(layer->projection(pr)));
    }
    c.emplace(TensorKey::norm(TensorKind::ATTN_NORM, kBenchLayer).name(), commit_weight_tensor(layer->attn_norm));
    c.emplace(TensorKey::norm(TensorKind::MLP_NORM, kBenchLayer).name(), commit_weight_tensor(layer->mlp_norm));
  } else {
    c = commit_model_weights(bm.weights);
  }
  c.merge(commit_adapter(bm.adapter));
  c.merge(commit_batch(bm.batch));
  return {std::move(c), sw.seconds()};
}

nlohmann::json phases_json(const GraphProfile& p) {
  return {{"commitments_s", p.commitments_s}, {"zero_padding_s", p.padding_s}, {"range_s", p.range_s},
          {"lookups_s", p.lookups_s},         {"operations_s", p.operations_s}, {"openings_s", p.openings_s},
          {"by_operation_s", p.by_operation_s}};
}

nlohmann::json bench_one(const std::string& name, const std::string& what, const BenchModel& bm,
                         const BenchCommitments& bc, ChannelMode mode) {
  const ModelConfig& cfg = bm.cfg;
  StepStatement s;
  s.model = cfg;
  s.lora = bm.adapter.config;
  s.format_version = kFixedFormatVersion;
  s.batch = bm.batch.batch;
  s.seq = bm.batch.seq;
  s.mode = mode_of(what);
  if (s.updates()) {
    s.optimizer = bench_optimizer();
    s.step_number = 1;
    s.count = batch_count(bm.batch);
  }
  const ProverCommitments& c = bc.commitments;
  Stopwatch sw;

  // The unproven computation the proof follows: the median of three runs (the first pays the first touch of its
  // memory, which a proof of the same work in the same process does not pay again).
  std::vector<double> witness_runs;
  for (int run = 0; run < 3; ++run) {
    sw = Stopwatch();
    engine_work(bm, s);
    witness_runs.push_back(sw.seconds());
  }
  std::vector<double> sorted_runs = witness_runs;
  std::sort(sorted_runs.begin(), sorted_runs.end());
  const double witness_s = sorted_runs[1];

  // The prover: the engine's pass, the header's commitments, the sub-proofs (the one layer's, or all).
  sw = Stopwatch();
  const StepInputs in{bm.weights, bm.adapter, bm.batch};
  const StepProver prover = bm.one_layer ? StepProver(s, in, one_layer_pass(bm, s), c, mode)
                                         : StepProver(s, in, c, mode);
  std::vector<size_t> parts;
  for (size_t k = 0; k < prover.plan().parts.size(); ++k) {
    if (!bm.one_layer || prover.plan().parts[k] == PartId{PartKind::LAYER, kBenchLayer}) parts.push_back(k);
  }
  GraphProfile prof;
  double prover_witness_s = 0;
  std::vector<std::vector<uint8_t>> proofs;
  nlohmann::json part_rows = nlohmann::json::array();
  for (const size_t k : parts) {
    Stopwatch part;
    const PartWitness w = prover.witness(k);
    prover_witness_s += part.seconds();
    GraphProfile pp;
    StepProveOptions opt;
    opt.profile = &pp;
    proofs.push_back(prover.prove(w, opt));
    add_profile(prof, pp);
    part_rows.push_back({{"subproof", prover.plan().parts[k].name()}, {"prove_s", part.seconds()},
                         {"bytes", proofs.back().size()}});
  }
  const double prove_s = sw.seconds();

  nlohmann::json row = {{"shape", name},         {"what", what},          {"commit_s", bc.commit_s},
                        {"channel", mode == ChannelMode::ZERO_KNOWLEDGE ? "zero-knowledge" : "clear"},
                        {"witness_s", witness_s}, {"witness_runs_s", witness_runs}};
  // The weights as the verifier takes them: checked by the once-per-model proof (tiny), or trusted (7b layer).
  std::optional<WeightCommitment> weights;
  if (!bm.one_layer) {
    sw = Stopwatch();
    const std::vector<uint8_t> check = prove_weight_check(bm.weights, c);
    row["weight_check_prove_s"] = sw.seconds();
    WeightCommitmentFile file;
    file.format_version = kFixedFormatVersion;
    file.config_json = model_config_json(cfg);
    for (const auto& [n, x] : c) {
      if (!n.starts_with("adapter.") && !n.starts_with("batch.")) file.tensors.emplace(n, x.commitment);
    }
    file.weight_check = check;
    sw = Stopwatch();
    weights.emplace(WeightCommitment::checked(cfg, file).value());
    row["weight_check_verify_ms"] = sw.seconds() * 1e3;
    row["weight_check_bytes"] = check.size();
  } else {
    PublicCommitments pw;
    for (const auto& [n, x] : c) pw.emplace(n, x.commitment);
    weights.emplace(WeightCommitment::trusted(std::move(pw)));
  }
  sw = Stopwatch();
  GraphProfile vprof;
  PublicCommitments pub = public_commitments(c);
  pub.merge(public_commitments(prover.outputs().commitments));
  const StepVerifier verifier =
      StepVerifier::make(prover.statement(), *weights, nullptr, pub, prover.header()).value();
  for (size_t i = 0; i < parts.size(); ++i) {
    GraphProfile vp;
    if (Status v = verifier.verify(parts[i], proofs[i], mode, 0, &vp); !v) throw ZkError(v.error());
    add_profile(vprof, vp);
  }
  const double verify_ms = sw.seconds() * 1e3;
  uint64_t proof_bytes = 0, largest = 0;
  for (const auto& [n, x] : prover.header()) proof_bytes += x.byte_size();
  for (const std::vector<uint8_t>& p : proofs) {
    proof_bytes += p.size();
    largest = std::max<uint64_t>(largest, p.size());
  }
  row.update({{"prove_s", prove_s},
              {"verify_ms", verify_ms},
              {"proof_bytes", proof_bytes},
              {"peak_rss_mb", peak_rss_mb()},
              {"prove_over_witness", prove_s / witness_s},
              {"weights", weights->is_checked() ? "checked" : "trusted"},
              {"unproven", s.unproven()},
              {"subproofs", part_rows},
              {"largest_subproof_bytes", largest},
              {"phases", phases_json(prof)},
              {"prover_phases_s",
               {{"engine_s", prover.engine_s()}, {"header_s", prover.header_s()}, {"prover_witness_s", prover_witness_s}}},
              {"verify_phases_ms",
               {{"commitments", vprof.commitments_s * 1e3},
                {"zero_padding", vprof.padding_s * 1e3},
                {"range", vprof.range_s * 1e3},
                {"lookups", vprof.lookups_s * 1e3},
                {"operations", vprof.operations_s * 1e3},
                {"openings", vprof.openings_s * 1e3}}}});
  if (prover.statement().has_loss()) row["loss"] = mean_loss(prover.statement().loss_sum, batch_count(bm.batch));
  return row;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::string rest = list;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    out.push_back(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  return out;
}

}  // namespace

std::string& bench_prove_what() {
  static std::string what = "linear";
  return what;
}

std::string& bench_prove_zk() {
  static std::string zk = "on";
  return zk;
}

std::string& bench_prove_shapes() {
  static std::string shapes = "tiny,llama-2-7b-layer";
  return shapes;
}

nlohmann::json bench_prove() {
  const std::vector<std::string> whats = split(bench_prove_what());
  for (const std::string& w : whats) {
    if (w != "linear" && w != "forward" && w != "step") {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench prove: --what takes linear, forward and step, comma separated");
    }
  }
  if (whats.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench prove: --what is empty");
  if (bench_prove_zk() != "on" && bench_prove_zk() != "off" && bench_prove_zk() != "both") {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench prove: --zk takes on, off or both");
  }
  const std::vector<std::string> shapes = split(bench_prove_shapes());
  for (const std::string& sh : shapes) {
    if (sh != "tiny" && sh != "llama-2-7b-layer") {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench prove: unknown shape '" + sh +
                                                     "' (--shapes takes tiny and llama-2-7b-layer, comma separated)");
    }
  }
  if (shapes.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench prove: --shapes is empty");
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json ratios = nlohmann::json::object();
  for (const std::string& sh : shapes) {
    const bool tiny = sh == "tiny";
    ModelConfig cfg = tiny ? tiny_model_config() : model_shape("llama-2-7b").value();
    if (!tiny) cfg.n_layers = 2;  // the second layer is proven alone
    const std::string name = tiny ? "tiny (4 layers, seq 64)" : "llama-2-7b layer (seq 128)";
    const BenchModel bm = make_model(cfg, tiny ? 64 : 128, !tiny);
    const BenchCommitments bc = commit_bench_model(bm);
    std::vector<ChannelMode> modes;
    if (bench_prove_zk() != "off") modes.push_back(ChannelMode::ZERO_KNOWLEDGE);
    if (bench_prove_zk() != "on") modes.push_back(ChannelMode::CLEAR);
    std::map<std::string, double> prove, bytes;
    if (modes.size() == 2 || whats.size() > 1) {
      // The first proof of a process pays the first touch of its memory (a third of the tiny step's range
      // argument; 20 s and more of a 7b layer's backbone on these virtual machines), which would skew any ratio
      // toward the proof measured first: whenever a ratio is reported, every proof is measured after a warm-up
      // proof of the first kind asked for, listed with "warmup": true. A larger proof still touches the memory
      // beyond the warm-up's peak itself, so its ratio errs on the high side.
      rows.push_back(bench_one(name, whats.front(), bm, bc, modes.front()));
      rows.back()["warmup"] = true;
    }
    for (const ChannelMode mode : modes) {
      const std::string m = mode == ChannelMode::ZERO_KNOWLEDGE ? "zk" : "clear";
      for (const std::string& w : whats) {
        rows.push_back(bench_one(name, w, bm, bc, mode));
        prove[m + w] = rows.back()["prove_s"].get<double>();
        bytes[m + w] = rows.back()["proof_bytes"].get<double>();
      }
    }
    for (const std::string& m : {std::string("zk"), std::string("clear")}) {
      for (const char* w : {"forward", "step"}) {
        if (prove.count(m + "linear") && prove.count(m + w)) {
          ratios[sh + "_" + w + "_over_linear" + (m == "clear" ? "_clear" : "")] = prove[m + w] / prove[m + "linear"];
        }
      }
    }
    for (const std::string& w : whats) {
      if (prove.count("zk" + w) && prove.count("clear" + w)) {
        ratios[sh + "_" + w + "_zk_over_clear_prove"] = prove["zk" + w] / prove["clear" + w];
        ratios[sh + "_" + w + "_zk_over_clear_bytes"] = bytes["zk" + w] / bytes["clear" + w];
      }
    }
  }
  return {{"what", bench_prove_what()}, {"zk", bench_prove_zk()}, {"results", rows}, {"ratios", ratios}};
}

}  // namespace zklora
