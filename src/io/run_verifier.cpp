// `zklora verify RUN` (run_verifier.h).
#include "zklora/io/run_verifier.h"

#include <cstring>
#include <set>

#include "zklora/base/files.h"
#include "zklora/base/timer.h"
#include "zklora/fixed/format.h"
#include "zklora/model/adapter_io.h"
#include "zklora/io/commitment_files.h"
#include "zklora/io/step_file.h"
#include "zklora/step/step_proof.h"

namespace zklora {
namespace {

namespace fs = std::filesystem;

// Bounds on what the verifier reads into memory before it validates anything else.
constexpr uint64_t kMaxStatementBytes = uint64_t{1} << 24;
constexpr uint64_t kMaxProofBytes = uint64_t{1} << 34;

RunVerdict& reject(RunVerdict& v, ErrorCode code, std::string reason) {
  v.accepted = false;
  v.code = code;
  v.reason = std::move(reason);
  return v;
}

std::string step_label(int64_t t) { return "step " + std::to_string(t) + ": "; }

// The adapter matrices of a run's statement: the initial commitment set holds exactly these.
std::set<std::string> adapter_names(const RunStatement& st) {
  std::set<std::string> out;
  for (int64_t l = 0; l < st.model.n_layers; ++l) {
    for (const Projection p : st.lora.targets) {
      for (const bool is_a : {true, false}) out.insert(TensorKey::adapter(TensorKind::ADAPTER, l, p, is_a).name());
    }
  }
  return out;
}

// The commitments a step of statement s must end with: the adapter's and the optimizer state's the update writes.
std::set<std::string> expected_outputs(const StepStatement& s) {
  std::set<std::string> out;
  for (int64_t l = 0; l < s.model.n_layers; ++l) {
    for (const Projection p : s.lora.targets) {
      for (const bool is_a : {true, false}) {
        const TensorKey k = TensorKey::adapter(TensorKind::NEXT_ADAPTER, l, p, is_a);
        out.insert(k.name());
        if (s.has_first_moment()) out.insert(k.as(TensorKind::NEXT_MOMENT_M).name());
        if (s.has_second_moment()) out.insert(k.as(TensorKind::NEXT_MOMENT_V).name());
      }
    }
  }
  return out;
}

template <class Map>
std::set<std::string> names_of(const Map& m) {
  std::set<std::string> out;
  for (const auto& [name, c] : m) out.insert(name);
  return out;
}

// The adapter matrices' commitments among a step's inputs (the statement's names: no other).
PublicCommitments adapter_part(const RunStatement& st, const PublicCommitments& c) {
  PublicCommitments out;
  for (const std::string& name : adapter_names(st)) {
    if (const auto it = c.find(name); it != c.end()) out.emplace(name, it->second);
  }
  return out;
}

// The adapter files of RUN against the commitments the last step ended with.
void check_adapter(const fs::path& run, const RunStatement& st, const PublicCommitments& last, int threads,
                   RunVerdict& v) {
  std::error_code ec;
  const fs::path opening_file = run / kRunOpeningFile;
  if (!fs::exists(opening_file, ec)) return;
  auto bytes = read_file(opening_file, kMaxProofBytes);
  if (!bytes) return void(reject(v, ErrorCode::INVALID_ARGUMENT, bytes.error().message));
  auto opening = decode_opening(bytes.value(), kRunOpeningFile);
  if (!opening) return void(reject(v, opening.code(), opening.error().message));
  auto opened = opening_commitments(opening.value(), threads);
  if (!opened) return void(reject(v, opened.code(), std::string(kRunOpeningFile) + ": " + opened.error().message));
  if (commitments_digest(opened.value()) != commitments_digest(adapter_part(st, last))) {
    return void(reject(v, ErrorCode::PROOF_REJECTED, std::string(kRunOpeningFile) +
                                                         " does not open the adapter the last step committed"));
  }
  v.adapter = RunVerdict::Adapter::OPENED;
  if (!fs::exists(run / "adapter_model.safetensors", ec)) return;
  auto peft = read_peft_adapter(run, st.model);
  if (!peft) return void(reject(v, peft.code(), peft.error().message));
  auto adapter = adapter_of(opening.value(), st.model, st.lora);
  if (!adapter) return void(reject(v, adapter.code(), std::string(kRunOpeningFile) + ": " + adapter.error().message));
  const FloatAdapter committed = adapter_to_float(adapter.value(), kFixed.lora);
  if (peft->tensors.size() != committed.tensors.size()) {
    return void(reject(v, ErrorCode::PROOF_REJECTED, "the adapter in RUN holds other tensors than the committed one"));
  }
  for (const auto& [name, t] : committed.tensors) {
    const auto it = peft->tensors.find(name);
    if (it == peft->tensors.end() || it->second.shape != t.shape || it->second.data.size() != t.data.size() ||
        std::memcmp(it->second.data.data(), t.data.data(), t.data.size() * sizeof(float)) != 0) {
      return void(reject(v, ErrorCode::PROOF_REJECTED, "adapter_model.safetensors is not the adapter the last step "
                                                       "committed (tensor " + name + " differs)"));
    }
  }
  v.adapter = RunVerdict::Adapter::OPENED_WITH_PEFT;
}

}  // namespace

Result<RunVerdict> verify_run(const fs::path& run, const VerifyRunOptions& o,
                              const std::function<void(const StepVerdict&)>& on_step) {
  RunVerdict v;
  auto text = read_file(run / kRunStatementFile, kMaxStatementBytes);
  if (!text) return text.error();
  auto parsed = RunStatement::from_json(std::string(text->begin(), text->end()), (run / kRunStatementFile).string());
  if (!parsed) return parsed.error();
  const RunStatement& st = parsed.value();
  v.steps_stated = st.steps;
  if (!st.unproven.empty()) {
    return reject(v, ErrorCode::PROOF_REJECTED, "the statement lists unproven operations (" + st.unproven.front() + ")");
  }
  if (!st.zero_knowledge && !o.allow_clear) {
    return reject(v, ErrorCode::PROOF_REJECTED, "the run's proofs are not zero knowledge (made with --no-zk: they "
                                                "reveal the weights and the data); pass --allow-clear to check them");
  }
  const Digest run_digest = st.digest();
  const ChannelMode mode = st.zero_knowledge ? ChannelMode::ZERO_KNOWLEDGE : ChannelMode::CLEAR;

  // The base weights.
  const fs::path weights_file = run / kRunWeightsFile;
  auto wbytes = read_file(weights_file, kMaxProofBytes);
  if (!wbytes) return wbytes.error();
  if (file_digest(wbytes.value()) != st.weights_digest) {
    return reject(v, ErrorCode::PROOF_REJECTED, std::string(kRunWeightsFile) + " is not the weight commitment " +
                                                    kRunStatementFile + " names");
  }
  if (o.weights) {
    auto own = read_file(*o.weights, kMaxProofBytes);
    if (!own) return own.error();
    if (file_digest(own.value()) != st.weights_digest) {
      return reject(v, ErrorCode::PROOF_REJECTED, "the run was proven against another weight commitment than " +
                                                      o.weights->string());
    }
  }
  auto wfile = parse_weight_commitment(wbytes.value(), weights_file.string(), o.threads);
  if (!wfile) return wfile.error();
  if (wfile->content_hash != st.model_hash || wfile->config_json != model_config_json(st.model) ||
      wfile->format_version != st.format_version) {
    return reject(v, ErrorCode::PROOF_REJECTED, std::string(kRunWeightsFile) + " was made for another model or "
                                                    "fixed-point format than the statement's");
  }
  std::optional<WeightCommitment> weights;
  if (!wfile->weight_check.empty()) {
    auto checked = WeightCommitment::checked(st.model, wfile.value(), o.threads);
    if (!checked) return reject(v, checked.code(), std::string(kRunWeightsFile) + ": " + checked.error().message);
    weights.emplace(std::move(checked.value()));
    v.weights_checked = true;
  } else if (o.trust_weights) {
    weights.emplace(WeightCommitment::trusted(wfile->tensors));
  } else {
    return reject(v, ErrorCode::INVALID_ARGUMENT, "the run's weight commitment carries no weight check (made with "
                                                  "--skip-weight-check); pass --trust-weights to accept it as it is");
  }

  // The data set and the initial adapter.
  auto dbytes = read_file(run / kRunDataFile, kMaxProofBytes);
  if (!dbytes) return dbytes.error();
  auto data = parse_data_commitment(dbytes.value(), (run / kRunDataFile).string(), o.threads);
  if (!data) return data.error();
  if (data_digest(data.value()) != st.data_digest || data->examples() != st.data_examples) {
    return reject(v, ErrorCode::PROOF_REJECTED, std::string(kRunDataFile) + " is not the data commitment " +
                                                    kRunStatementFile + " names");
  }
  auto ibytes = read_file(run / kRunInitialFile, kMaxProofBytes);
  if (!ibytes) return ibytes.error();
  if (file_digest(ibytes.value()) != st.initial_digest) {
    return reject(v, ErrorCode::PROOF_REJECTED, std::string(kRunInitialFile) + " is not the initial adapter "
                                                    "commitment " + kRunStatementFile + " names");
  }
  auto initial = decode_commitment_set(ibytes.value(), kRunInitialFile, o.threads);
  if (!initial) return initial.error();
  if (names_of(initial.value()) != adapter_names(st)) {
    return reject(v, ErrorCode::PROOF_REJECTED, std::string(kRunInitialFile) + " does not hold exactly the adapter "
                                                    "matrices of the statement's model and LoRA configuration");
  }

  // The chain of steps, each step file read and checked one sub-proof at a time.
  PublicCommitments inputs = initial.value();
  for (int64_t t = 1; t <= st.steps; ++t) {
    const fs::path file = run / step_file_name(t);
    std::error_code ec;
    if (!fs::exists(file, ec)) return reject(v, ErrorCode::PROOF_REJECTED, step_label(t) + step_file_name(t) + " is missing");
    auto reader = StepFileReader::open(file, step_file_name(t), o.threads, kMaxProofBytes);
    if (!reader) return reject(v, reader.code(), step_label(t) + reader.error().to_string());
    const StepFileHead& f = reader->head();
    if (f.run != run_digest) {
      return reject(v, ErrorCode::PROOF_REJECTED, step_label(t) + "the proof belongs to another run");
    }
    if (f.mode != mode) {
      return reject(v, ErrorCode::PROOF_REJECTED,
                    step_label(t) + (mode == ChannelMode::ZERO_KNOWLEDGE
                                         ? "the proof is in the clear channel (--no-zk); the statement says zero "
                                           "knowledge"
                                         : "the proof is zero knowledge; the statement says the clear channel"));
    }
    if (f.step != t) {
      return reject(v, ErrorCode::PROOF_REJECTED, step_label(t) + "the file holds the proof of step " +
                                                      std::to_string(f.step) + " (steps missing, reordered or duplicated)");
    }
    StepStatement s = st.step(t);
    if (f.indices != s.batch_indices) {
      return reject(v, ErrorCode::PROOF_REJECTED, step_label(t) + "its batch indices are not the run's seeded order");
    }
    if (f.input != commitments_digest(inputs)) {
      return reject(v, ErrorCode::PROOF_REJECTED,
                    step_label(t) + (t == 1 ? std::string("does not start from the initial adapter's commitment")
                                            : "does not start from the commitments step " + std::to_string(t - 1) +
                                                  " ended with"));
    }
    if (names_of(f.outputs) != expected_outputs(s)) {
      return reject(v, ErrorCode::PROOF_REJECTED, step_label(t) + "its outputs are not the adapter and optimizer "
                                                                  "state the statement names");
    }
    s.loss_sum = f.loss_sum;
    s.count = f.count;
    PublicCommitments commitments = inputs;
    for (const auto& [name, c] : f.outputs) commitments.emplace(name, c);
    Stopwatch sw;
    StepVerdict sv{t, mean_loss(f.loss_sum, f.count), f.count, 0, static_cast<int64_t>(reader->file_bytes()), {}, {}};
    auto verifier = StepVerifier::make(s, *weights, &data.value(), commitments, f.cuts);
    if (!verifier) return reject(v, verifier.code(), step_label(t) + "proof rejected: " + verifier.error().to_string());
    const std::vector<PartId>& parts = verifier->plan().parts;
    if (reader->parts() != parts.size()) {
      return reject(v, ErrorCode::SUBPROOF_MISMATCH, step_label(t) + "the file holds " +
                                                         std::to_string(reader->parts()) + " sub-proofs, the step " +
                                                         std::to_string(parts.size()));
    }
    for (size_t k = 0; k < parts.size(); ++k) {
      auto p = reader->next();
      if (!p) return reject(v, p.code(), step_label(t) + p.error().to_string());
      if ((*p)->part != parts[k]) {
        return reject(v, ErrorCode::SUBPROOF_MISMATCH,
                      step_label(t) + "sub-proof " + std::to_string(k + 1) + " is the " + (*p)->part.name() +
                          "'s where the " + parts[k].name() + "'s belongs (sub-proofs missing, duplicated or "
                          "out of order)");
      }
      GraphProfile prof;
      Stopwatch part_clock;
      const Status ok = verifier->verify(k, (*p)->proof, mode, o.threads, &prof);
      if (!ok) return reject(v, ok.code(), step_label(t) + "proof rejected: " + ok.error().to_string());
      add_profile(sv.profile, prof);
      sv.subproofs.push_back({parts[k].name(), static_cast<int64_t>((*p)->proof.size()), part_clock.seconds()});
    }
    if (auto end = reader->next(); !end || end->has_value()) {
      return reject(v, end ? ErrorCode::TRAILING_PROOF_BYTES : end.code(),
                    step_label(t) + (end ? "bytes after the last sub-proof" : end.error().to_string()));
    }
    sv.verify_s = sw.seconds();
    v.steps.push_back(sv);
    if (on_step) on_step(sv);
    inputs = next_step_inputs(f.outputs);
  }
  std::error_code ec;
  if (fs::exists(run / step_file_name(st.steps + 1), ec)) {
    return reject(v, ErrorCode::PROOF_REJECTED, step_label(st.steps + 1) + "a proof beyond the " +
                                                    std::to_string(st.steps) + " steps of the statement");
  }
  v.final_adapter = commitments_digest(adapter_part(st, inputs));
  v.accepted = true;
  check_adapter(run, st, inputs, o.threads, v);
  return v;
}

}  // namespace zklora
