// `zklora train` with proofs (run_prover.h).
#include "zklora/io/run_prover.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

#include "prove_parts.h"
#include "zklora/base/files.h"
#include "zklora/base/timer.h"
#include "zklora/fixed/format.h"
#include "zklora/io/commitment_files.h"
#include "zklora/io/model_commitment.h"
#include "zklora/io/run_files.h"
#include "zklora/io/step_file.h"
#include "zklora/model/adapter_io.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/dataset.h"
#include "zklora/model/trainer.h"
#include "zklora/step/data_commitment.h"
#include "zklora/step/step_proof.h"

namespace zklora {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRunJson = "run.json";
constexpr const char* kDataPublic = "data.commitment.bin";

Error invalid(const std::string& m) { return make_error(ErrorCode::INVALID_ARGUMENT, m); }

// Everything the steps of a run read, and where the run stands.
struct RunState {
  fs::path dir;
  RunStatement st;
  Digest run_digest{};
  ChannelMode mode = ChannelMode::ZERO_KNOWLEDGE;
  std::shared_ptr<const Checkpoint> checkpoint;
  std::unique_ptr<ModelWeights> weights;
  std::vector<TokenSequence> examples;
  DataProverCommitment data;
  ProverCommitments commitments;  // the weights', then per step the batch's and the step's inputs
  std::vector<std::string> step_commitments;  // the names this step added to `commitments`
  AdapterTensors adapter;
  OptimizerState state;
  ProverCommitments inputs;       // "adapter..." and "optimizer..." the next step starts from
  int64_t done = 0;               // steps proven
  std::vector<StepReport> reports;
};

void say(RunObserver* o, const std::string& line) {
  if (o) o->message(line);
}

Status read_model(RunState& r, const fs::path& model_dir) {
  auto ckpt = Checkpoint::open(model_dir);
  if (!ckpt) return ckpt.error();
  r.checkpoint = std::make_shared<const Checkpoint>(std::move(ckpt.value()));
  // The layers streamed from the mapping whatever the model's size: the prover's memory does not grow with depth.
  auto w = ModelWeights::from_checkpoint(r.checkpoint, true);
  if (!w) return w.error();
  r.weights = std::make_unique<ModelWeights>(std::move(w.value()));
  return {};
}

Status read_data(RunState& r, const fs::path& data_file, const fs::path& model_dir) {
  auto data = load_dataset(data_file, model_dir / "tokenizer.model", r.checkpoint->config());
  if (!data) return data.error();
  r.examples = std::move(data.value());
  if (r.examples.empty()) return invalid(data_file.string() + " holds no examples");
  return {};
}

// The data commitment at `file` with its prover file, checked against the data set read.
Status read_data_commitment_for(RunState& r, const fs::path& file, int64_t seq, int threads) {
  auto d = read_data_prover_commitment(file, threads);
  if (!d) return d.error();
  if (d->content != data_content_hash(r.examples, seq)) {
    return invalid(file.string() + " was made for another data set or sequence length than this run's (--seq " +
                   std::to_string(seq) + "); run zklora commit --data again");
  }
  if (d->commitment.vocab != r.checkpoint->config().vocab_size || d->commitment.format_version != kFixedFormatVersion) {
    return invalid(file.string() + " was made for another vocabulary or fixed-point format");
  }
  r.data = std::move(d.value());
  return {};
}

// The prover's state after `step` (adapter and optimizer state with the blinds of their commitments).
Status write_state(const RunState& r, int64_t step) {
  const TensorOpening o = opening_of(step, r.adapter, step > 0 ? &r.state : nullptr, r.inputs);
  return write_file_atomically(r.dir / kRunProverDir / state_file_name(step), encode_opening(o));
}

Status write_reports(const RunState& r) {
  if (Status s = write_file_atomically(r.dir / kRunReportFile, report_json(r.reports)); !s) return s;
  return write_file_atomically(r.dir / kRunPlotFile, report_svg(r.reports, "zklora proven fine-tuning: " + r.dir.string()));
}

// Proves step r.done + 1 and writes its files.
Result<StepReport> prove_next(RunState& r, int threads, int jobs, RunObserver* obs) {
  const int64_t t = r.done + 1;
  const StepStatement s = r.st.step(t);
  const Batch batch = data_batch(r.examples, s.batch_indices, s.seq, r.st.model);
  if (batch_count(batch) == 0) {
    return invalid("step " + std::to_string(t) + ": its batch has no token to predict (every example shorter than "
                   "two tokens); use a data set of longer examples");
  }
  // The step's own commitments (the batch's and the inputs') beside the model's, in place of the last step's.
  for (const std::string& name : r.step_commitments) r.commitments.erase(name);
  r.step_commitments.clear();
  auto batch_c = data_batch_prover_commitments(r.data, s.batch_indices);
  if (!batch_c) return batch_c.error();
  for (const ProverCommitments* m : {&batch_c.value(), &r.inputs}) {
    for (const auto& [name, c] : *m) {
      r.commitments.insert_or_assign(name, c);
      r.step_commitments.push_back(name);
    }
  }

  StepReport rep;
  rep.step = t;
  if (obs) obs->phase(RunObserver::Phase::ENGINE, t, r.st.steps);
  const StepInputs in{*r.weights, r.adapter, batch, t > 1 ? &r.state : nullptr};
  const StepProver prover(s, in, r.commitments, r.mode, threads);
  rep.witness_s = prover.engine_s();
  rep.commit_s = prover.header_s();
  const StepStatement& ps = prover.statement();

  StepFileHead head;
  head.mode = r.mode;
  head.run = r.run_digest;
  head.step = t;
  head.indices = ps.batch_indices;
  head.loss_sum = ps.loss_sum;
  head.count = ps.count;
  head.input = commitments_digest(public_commitments(r.inputs));
  head.outputs = public_commitments(prover.outputs().commitments);
  head.cuts = prover.header();
  for (const auto& [name, c] : head.cuts) rep.cuts_bytes += static_cast<int64_t>(c.byte_size());
  const size_t parts = prover.plan().parts.size();
  auto writer = StepFileWriter::open(r.dir / step_file_name(t), head, static_cast<uint32_t>(parts));
  if (!writer) return writer.error();

  if (obs) obs->phase(RunObserver::Phase::PROVE, t, r.st.steps);
  const int fit = io::jobs_that_fit(prover, jobs);
  if (fit < jobs) {
    say(obs, "proving " + std::to_string(fit) + " sub-proofs at once instead of " + std::to_string(jobs) +
                 ": the memory available holds no more");
  }
  Stopwatch sw;
  const Status proven = io::prove_parts(
      prover, fit, threads,
      [&](io::PartDone& d) -> Status {
        const PartId part = prover.plan().parts[d.index];
        rep.subproofs_s += d.seconds;
        rep.subproofs_bytes += static_cast<int64_t>(d.proof.size());
        if (d.seconds > rep.largest_subproof_s) {
          rep.largest_subproof_s = d.seconds;
          rep.largest_subproof = part.name();
        }
        rep.largest_subproof_bytes = std::max(rep.largest_subproof_bytes, static_cast<int64_t>(d.proof.size()));
        return writer->append({part, std::move(d.proof)});
      },
      [&](size_t done, const std::string& running, double left) {
        if (obs) obs->subproofs(t, r.st.steps, done, parts, running, left);
      });
  if (!proven) return proven.error();
  rep.prove_s = sw.seconds();
  rep.subproofs = static_cast<int64_t>(parts);

  r.adapter = prover.outputs().adapter;
  r.state = prover.outputs().optimizer;
  r.inputs = next_step_inputs(prover.outputs().commitments);
  // The state first: a proof file never exists without the state the next step starts from.
  if (Status st = write_state(r, t); !st) return st.error();
  if (Status st = writer->finish(); !st) return st.error();
  std::error_code ec;
  fs::remove(r.dir / kRunProverDir / state_file_name(t - 1), ec);
  r.done = t;
  rep.loss = mean_loss(ps.loss_sum, ps.count);
  rep.tokens = ps.count;
  rep.proof_bytes = static_cast<int64_t>(writer->bytes());
  rep.peak_rss_mb = peak_rss_mb();
  r.reports.push_back(rep);
  if (Status st = write_reports(r); !st) return st.error();
  return rep;
}

Result<RunResult> run_steps(RunState& r, int threads, int jobs, RunObserver* obs) {
  RunResult out;
  while (r.done < r.st.steps) {
    auto rep = prove_next(r, threads, jobs, obs);
    if (!rep) return rep.error();
    if (obs && !obs->step_done(rep.value(), r.st.steps) && r.done < r.st.steps) {
      out.steps = r.reports;
      return out;
    }
  }
  // The adapter after the last step, in PEFT's layout, with the opening of its commitment.
  const FloatAdapter fa = adapter_to_float(r.adapter, kFixed.lora);
  if (Status s = write_peft_adapter(r.dir, fa, r.st.model, r.checkpoint->dir().string(), true); !s) return s.error();
  ProverCommitments adapter_c;
  for (int64_t l = 0; l < r.st.model.n_layers; ++l) {
    for (const Projection p : r.st.lora.targets) {
      for (const bool is_a : {true, false}) {
        const std::string name = TensorKey::adapter(TensorKind::ADAPTER, l, p, is_a).name();
        adapter_c.emplace(name, r.inputs.at(name));
      }
    }
  }
  const TensorOpening opening = opening_of(r.done, r.adapter, nullptr, adapter_c);
  if (Status s = write_file_atomically(r.dir / kRunOpeningFile, encode_opening(opening)); !s) return s.error();
  out.steps = r.reports;
  out.complete = true;
  return out;
}

// The files of a run (and nothing else a user may keep in the directory).
bool is_run_file(const fs::path& p) {
  const std::string n = p.filename().string();
  for (const char* f : {kRunStatementFile, kRunWeightsFile, kRunDataFile, kRunInitialFile, kRunOpeningFile,
                        kRunReportFile, kRunPlotFile, "adapter_config.json", "adapter_model.safetensors"}) {
    if (n == f) return true;
  }
  return n.starts_with("step-") && (n.ends_with(".proof") || n.ends_with(".proof.tmp"));
}

Status prepare_dir(const TrainOptions& o) {
  std::error_code ec;
  if (fs::exists(o.out_dir / kRunStatementFile, ec) || fs::exists(o.out_dir / kRunProverDir, ec)) {
    if (!o.overwrite) {
      return invalid(o.out_dir.string() + " holds a run; pass --overwrite to replace it or --resume to continue it");
    }
  }
  if (fs::exists(o.out_dir, ec)) {
    for (const auto& e : fs::directory_iterator(o.out_dir, ec)) {
      if (!is_run_file(e.path())) continue;
      if (!o.overwrite) return invalid(e.path().string() + " exists; pass --overwrite to replace it");
      fs::remove(e.path(), ec);
    }
    fs::remove_all(o.out_dir / kRunProverDir, ec);
  }
  fs::create_directories(o.out_dir / kRunProverDir, ec);
  if (ec) return make_error(ErrorCode::IO, "cannot create " + (o.out_dir / kRunProverDir).string() + ": " + ec.message());
  return {};
}

Status copy_public(const fs::path& from, const fs::path& to, Digest& digest) {
  auto bytes = read_file(from);
  if (!bytes) return bytes.error();
  digest = file_digest(bytes.value());
  return write_file_atomically(to, bytes.value());
}

}  // namespace

Result<RunResult> prove_run(const RunOptions& o, RunObserver* obs) {
  const TrainOptions& t = o.train;
  if (Status s = t.validate(); !s) return s.error();
  RunState r;
  r.dir = t.out_dir;
  r.mode = o.zero_knowledge ? ChannelMode::ZERO_KNOWLEDGE : ChannelMode::CLEAR;
  if (Status s = read_model(r, t.model_dir); !s) return s.error();
  const ModelConfig& cfg = r.checkpoint->config();
  if (Status s = read_data(r, t.data_file, t.model_dir); !s) return s.error();
  const int64_t n = static_cast<int64_t>(r.examples.size());
  if (Status s = t.validate_for(cfg, n); !s) return s.error();

  RunStatement& st = r.st;
  st.format_version = kFixedFormatVersion;
  st.model = cfg;
  st.lora = t.lora;
  st.optimizer = t.optimizer;
  st.batch = t.batch;
  st.seq = t.seq;
  st.steps = t.steps;
  st.seed = t.seed;
  st.zero_knowledge = o.zero_knowledge;
  st.data_examples = n;
  auto start = initial_adapter(t, cfg);
  if (!start) return start.error();
  r.adapter = std::move(start.value());
  st.lora = r.adapter.config;
  // The statement must be provable before anything is written (N, the batch's targets, comes with each step).
  StepStatement first = st.step(1);
  first.count = 1;
  if (Status s = first.validate(); !s) return s.error();
  if (Status s = prepare_dir(t); !s) return s.error();

  const std::function<void(const std::string&)> log = [&](const std::string& line) { say(obs, line); };
  auto model_c = ensure_model_commitment(t.model_dir, o.weights_commitment.value_or(fs::path()),
                                         o.skip_weight_check, o.threads, log);
  if (!model_c) return model_c.error();
  st.model_hash = model_c->public_file.content_hash;
  st.weights_checked = !model_c->public_file.weight_check.empty();
  if (Status s = copy_public(model_c->file, r.dir / kRunWeightsFile, st.weights_digest); !s) return s.error();
  r.commitments = std::move(model_c->prover);

  fs::path data_file;
  if (o.data_commitment) {
    data_file = *o.data_commitment;
    if (Status s = read_data_commitment_for(r, data_file, t.seq, o.threads); !s) return s.error();
  } else {
    say(obs, "committing the data set (" + std::to_string(n) + " examples)");
    r.data = commit_data(r.examples, t.seq, cfg, o.threads);
    data_file = r.dir / kRunProverDir / kDataPublic;
    if (Status s = write_data_commitment(data_file, r.data); !s) return s.error();
  }
  if (r.data.commitment.seq != t.seq) {
    return invalid(data_file.string() + " was committed for --seq " + std::to_string(r.data.commitment.seq));
  }
  st.data_digest = data_digest(r.data.commitment);
  if (Status s = write_file_atomically(r.dir / kRunDataFile, encode_data_commitment(r.data.commitment)); !s) {
    return s.error();
  }

  r.inputs = commit_adapter(r.adapter, o.threads);
  const std::vector<uint8_t> initial = encode_commitment_set(public_commitments(r.inputs));
  st.initial_digest = file_digest(initial);
  if (Status s = write_file_atomically(r.dir / kRunInitialFile, initial); !s) return s.error();
  r.state = OptimizerState::zeros_for(r.adapter, t.optimizer);
  if (Status s = write_state(r, 0); !s) return s.error();

  const nlohmann::json where = {{"model", fs::absolute(t.model_dir).string()},
                                {"data", fs::absolute(t.data_file).string()},
                                {"data_commitment", fs::absolute(data_file).string()},
                                {"weights_commitment", fs::absolute(model_c->file).string()}};
  if (Status s = write_file_atomically(r.dir / kRunProverDir / kRunJson, where.dump(1) + "\n"); !s) return s.error();
  if (Status s = write_file_atomically(r.dir / kRunStatementFile, st.to_json()); !s) return s.error();
  r.run_digest = st.digest();
  return run_steps(r, o.threads, o.jobs, obs);
}

Result<RunResult> resume_run(const fs::path& run, int threads, int jobs, RunObserver* obs,
                             const std::optional<fs::path>& model_dir, const std::optional<fs::path>& data_file) {
  RunState r;
  r.dir = run;
  auto text = read_file(run / kRunStatementFile, 1 << 24);
  if (!text) return text.error();
  auto st = RunStatement::from_json(std::string(text->begin(), text->end()), (run / kRunStatementFile).string());
  if (!st) return st.error();
  r.st = std::move(st.value());
  r.run_digest = r.st.digest();
  r.mode = r.st.zero_knowledge ? ChannelMode::ZERO_KNOWLEDGE : ChannelMode::CLEAR;
  auto where_text = read_file(run / kRunProverDir / kRunJson, 1 << 20);
  if (!where_text) return invalid(run.string() + " holds no prover state (" + where_text.error().message + ")");
  const nlohmann::json where = nlohmann::json::parse(where_text->begin(), where_text->end(), nullptr, false);
  if (!where.is_object() || !where.contains("model") || !where.contains("data") || !where.contains("data_commitment") ||
      !where.contains("weights_commitment")) {
    return invalid((run / kRunProverDir / kRunJson).string() + ": malformed");
  }
  const fs::path model = model_dir.value_or(fs::path(where["model"].get<std::string>()));
  const fs::path data = data_file.value_or(fs::path(where["data"].get<std::string>()));
  say(obs, "resuming " + run.string());
  if (Status s = read_model(r, model); !s) return s.error();
  auto hash = r.checkpoint->content_hash();
  if (!hash) return hash.error();
  if (hash.value() != r.st.model_hash) return invalid(model.string() + " is not the model this run was proven on");
  if (Status s = read_data(r, data, model); !s) return s.error();
  if (Status s = read_data_commitment_for(r, where["data_commitment"].get<std::string>(), r.st.seq, threads); !s) {
    return s.error();
  }
  if (data_digest(r.data.commitment) != r.st.data_digest) {
    return invalid("the data commitment in " + where["data_commitment"].get<std::string>() +
                   " is not the one this run's statement names");
  }
  const fs::path weights_file = where["weights_commitment"].get<std::string>();
  auto wbytes = read_file(weights_file);
  if (!wbytes) return wbytes.error();
  if (file_digest(wbytes.value()) != r.st.weights_digest) {
    return invalid(weights_file.string() + " changed since the run began; it is not the commitment the run's "
                   "statement names");
  }
  auto wc = read_weight_prover_commitments(weights_file, threads);
  if (!wc) return wc.error();
  r.commitments = std::move(wc.value());

  // The last complete proof: steps 1..t all present and of this run.
  PublicCommitments last_outputs;
  while (r.done < r.st.steps) {
    const fs::path f = run / step_file_name(r.done + 1);
    std::error_code ec;
    if (!fs::exists(f, ec)) break;
    auto sf = StepFileReader::open(f, f.string(), threads);
    if (!sf || sf->head().run != r.run_digest || sf->head().step != r.done + 1) break;
    last_outputs = next_step_inputs(sf->head().outputs);
    ++r.done;
    StepReport rep;
    rep.step = r.done;
    rep.loss = mean_loss(sf->head().loss_sum, sf->head().count);
    rep.tokens = sf->head().count;
    rep.proof_bytes = static_cast<int64_t>(sf->file_bytes());
    r.reports.push_back(rep);
  }
  for (int64_t t = r.done + 1; t <= r.st.steps; ++t) {
    std::error_code ec;
    if (fs::exists(run / step_file_name(t), ec)) {
      return invalid(run.string() + ": " + step_file_name(t) + " follows a missing or broken " +
                     step_file_name(r.done + 1) + "; remove it or start the run anew");
    }
  }
  // Times of the steps already proven, from the report (a step proven after the report was last written keeps 0).
  if (auto rt = read_file(run / kRunReportFile, 1 << 26)) {
    if (auto old = parse_report_json(std::string(rt->begin(), rt->end()), kRunReportFile)) {
      for (const StepReport& o : old.value()) {
        if (o.step >= 1 && o.step <= r.done) r.reports[static_cast<size_t>(o.step - 1)] = o;
      }
    }
  }
  auto state_bytes = read_file(run / kRunProverDir / state_file_name(r.done));
  if (!state_bytes) {
    return invalid("cannot continue " + run.string() + ": the prover's state after step " + std::to_string(r.done) +
                   " is gone (" + state_bytes.error().message + "); only the state after the last proof is kept");
  }
  auto opening = decode_opening(state_bytes.value(), state_file_name(r.done));
  if (!opening) return opening.error();
  auto adapter = adapter_of(opening.value(), r.st.model, r.st.lora);
  if (!adapter) return adapter.error();
  r.adapter = std::move(adapter.value());
  auto state = optimizer_state_of(opening.value(), r.adapter, r.st.optimizer);
  if (!state) return state.error();
  r.state = std::move(state.value());
  auto inputs = opening_prover_commitments(opening.value(), threads);
  if (!inputs) return inputs.error();
  r.inputs = std::move(inputs.value());
  // The state must open what the last proof ended with (or the initial commitments).
  PublicCommitments expect = last_outputs;
  if (r.done == 0) {
    auto initial = read_file(run / kRunInitialFile);
    if (!initial) return initial.error();
    auto set = decode_commitment_set(initial.value(), kRunInitialFile, threads);
    if (!set) return set.error();
    expect = std::move(set.value());
  }
  if (commitments_digest(public_commitments(r.inputs)) != commitments_digest(expect)) {
    return invalid(state_file_name(r.done) + " does not open the commitments step " + std::to_string(r.done) +
                   " ended with");
  }
  if (r.done > 0) say(obs, "continuing after step " + std::to_string(r.done) + " of " + std::to_string(r.st.steps));
  return run_steps(r, threads, jobs, obs);
}

}  // namespace zklora
