// Proven runs (io/run_prover.h, io/run_verifier.h) on the micro model (two layers, d_model 8): 2-step runs with SGD
// (momentum) and AdamW verify, their adapters equal unproven training's bit for bit, sub-proofs proven two at a time
// make the same run, and a run stopped after its first step and resumed ends as an uninterrupted run does. The
// verifier rejects, each with its reason: a step proof from another run, two steps swapped, a step missing, a step
// duplicated, a batch index changed, a tampered proof, a changed seed in the statement, sub-proofs swapped,
// relabelled, missing or of another step, a header cut replaced or missing, steps relabelled to another run, an
// initial commitment set with an extra matrix, an adapter in RUN that is not the committed one; it refuses a weight
// commitment without its check unless told to trust it.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/random_model.h"
#include "support/temp_dir.h"
#include "zklora/base/files.h"
#include "zklora/io/commitment_files.h"
#include "zklora/io/run_files.h"
#include "zklora/io/run_prover.h"
#include "zklora/io/run_verifier.h"
#include "zklora/io/step_file.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/init_model.h"
#include "zklora/model/trainer.h"

namespace zklora {
namespace {

namespace fs = std::filesystem;

// Stops a run after `after` steps, as an interruption would.
class StopAfter : public RunObserver {
 public:
  explicit StopAfter(int64_t after) : after_(after) {}
  bool step_done(const StepReport& r, int64_t) override { return r.step < after_; }

 private:
  int64_t after_;
};

// The micro model (two layers, d_model 8, vocabulary 16) and a JSONL data set.
class RunFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ModelConfig c = testing::micro_config();
    ASSERT_TRUE(write_model_config(c, *dir_ / "config.json").ok());
    InitModelOptions io;
    io.initializer_range = 0.2;
    ASSERT_TRUE(init_model((*dir_ / "config.json").string(), 3, *dir_ / "model", io).ok());
    std::ofstream data(*dir_ / "data.jsonl");
    for (int i = 0; i < 7; ++i) {
      data << "[1";
      for (int j = 0; j < 3 + i % 5; ++j) data << ", " << 4 + (i * 5 + j * 11) % 12;
      data << "]\n";
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  static RunOptions options(const std::string& out, OptimizerKind kind) {
    RunOptions o;
    TrainOptions& t = o.train;
    t.model_dir = *dir_ / "model";
    t.data_file = *dir_ / "data.jsonl";
    t.out_dir = *dir_ / out;
    t.steps = 2;
    t.batch = 2;
    t.seq = 6;
    t.seed = 9;
    t.lora.targets = {Projection::Q, Projection::V, Projection::DOWN};
    t.optimizer.kind = kind;
    t.optimizer.lr = kind == OptimizerKind::SGD ? 0.05 : 1e-2;
    t.optimizer.momentum = kind == OptimizerKind::SGD ? 0.9 : 0.0;
    t.optimizer.weight_decay = kind == OptimizerKind::ADAMW ? 0.01 : 0.0;
    return o;
  }
  // Unproven training (`zklora train --no-prove`) with the options of a proven run, into `out`.
  static TrainSummary train_unproven(const RunOptions& o, const fs::path& out) {
    TrainOptions t = o.train;
    t.out_dir = out;
    t.quiet = true;
    return train(t).value();
  }
  static fs::path path(const std::string& name) { return *dir_ / name; }
  static RunVerdict verdict(const fs::path& run, const VerifyRunOptions& o = {}) { return verify_run(run, o).value(); }
  static std::vector<uint8_t> bytes(const fs::path& f) { return read_file(f).value(); }
  static StepFile step_file(const fs::path& run, int64_t t) {
    return StepFile::from_bytes(bytes(run / step_file_name(t)), "step").value();
  }

  static inline test::TempDir* dir_ = nullptr;
};

// With a 2-step SGD (momentum) run and a 2-step AdamW run proven once for the suite.
class Run : public RunFiles {
 protected:
  static void SetUpTestSuite() {
    RunFiles::SetUpTestSuite();
    sgd_ = new RunResult(prove_run(options("sgd", OptimizerKind::SGD)).value());
    adamw_ = new RunResult(prove_run(options("adamw", OptimizerKind::ADAMW)).value());
  }
  static void TearDownTestSuite() {
    delete sgd_;
    delete adamw_;
    RunFiles::TearDownTestSuite();
  }

  // A copy of a run to tamper with.
  static fs::path copy_of(const std::string& run, const std::string& name) {
    const fs::path to = path(name);
    fs::remove_all(to);
    fs::copy(path(run), to, fs::copy_options::recursive);
    return to;
  }

  static inline RunResult* sgd_ = nullptr;
  static inline RunResult* adamw_ = nullptr;
};

void expect_rejected(const RunVerdict& v, const std::string& reason) {
  EXPECT_FALSE(v.accepted);
  EXPECT_NE(v.reason.find(reason), std::string::npos) << v.reason;
}

TEST_F(Run, TwoStepRunsVerifyAndEqualUnprovenTraining) {
  for (const auto& [name, kind, result] : {std::tuple{"sgd", OptimizerKind::SGD, sgd_},
                                           std::tuple{"adamw", OptimizerKind::ADAMW, adamw_}}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(result->complete);
    ASSERT_EQ(result->steps.size(), 2u);
    const RunVerdict v = verdict(path(name));
    EXPECT_TRUE(v.accepted) << v.reason;
    EXPECT_EQ(v.steps.size(), 2u);
    EXPECT_TRUE(v.weights_checked);
    EXPECT_EQ(v.adapter, RunVerdict::Adapter::OPENED_WITH_PEFT);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(v.steps[i].loss, result->steps[i].loss);  // the verifier's loss is the step file's
      EXPECT_GT(v.steps[i].tokens, 0);
    }
    // `zklora train --no-prove` with the same options writes the same adapter, bit for bit, and the same losses.
    const fs::path out = path(std::string(name) + "-unproven");
    const TrainSummary unproven = train_unproven(options(name, kind), out);
    EXPECT_EQ(bytes(out / "adapter_model.safetensors"), bytes(path(name) / "adapter_model.safetensors"));
    for (size_t i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(unproven.losses[i], result->steps[i].loss);
  }
  // The statement lists nothing unproven; the report lists every step.
  const std::vector<uint8_t> st = bytes(path("adamw") / kRunStatementFile);
  const RunStatement s = RunStatement::from_json(std::string(st.begin(), st.end()), "statement").value();
  EXPECT_TRUE(s.unproven.empty());
  EXPECT_EQ(s.steps, 2);
  const std::vector<uint8_t> rep = bytes(path("adamw") / kRunReportFile);
  const std::vector<StepReport> report = parse_report_json(std::string(rep.begin(), rep.end()), "report").value();
  ASSERT_EQ(report.size(), 2u);
  // The sub-proofs: the embedding, two layers, the head, the update; the largest and the sum.
  EXPECT_EQ(report[0].subproofs, 5);
  EXPECT_GT(report[0].largest_subproof_bytes, 0);
  EXPECT_GT(report[0].subproofs_bytes, report[0].largest_subproof_bytes);
  EXPECT_LT(report[0].subproofs_bytes, report[0].proof_bytes);
  EXPECT_FALSE(report[0].largest_subproof.empty());
  EXPECT_TRUE(fs::exists(path("adamw") / kRunPlotFile));
}

// Sub-proofs proven two at a time (--jobs 2) make the same run: the same adapter bit for bit, verified.
TEST_F(Run, SubproofsProvenAtOnceMakeTheSameRun) {
  RunOptions o = options("jobs", OptimizerKind::ADAMW);
  o.train.steps = 1;
  o.jobs = 2;
  ASSERT_TRUE(prove_run(o).value().complete);
  const RunVerdict v = verdict(path("jobs"));
  EXPECT_TRUE(v.accepted) << v.reason;
  const TrainSummary unproven = train_unproven(o, path("jobs-unproven"));
  EXPECT_EQ(bytes(path("jobs") / "adapter_model.safetensors"), bytes(path("jobs-unproven") / "adapter_model.safetensors"));
}

// A run stopped after its first step (as an interruption would stop it) and resumed ends as an uninterrupted run:
// the same adapter bit for bit (that of unproven training, which an uninterrupted proven run equals), the same
// losses, and the first step's proof untouched.
TEST_F(RunFiles, ResumedRunEndsAsAnUninterruptedOne) {
  const RunOptions o = options("resumed", OptimizerKind::ADAMW);
  StopAfter stop(1);
  const RunResult first = prove_run(o, &stop).value();
  EXPECT_FALSE(first.complete);
  EXPECT_TRUE(fs::exists(path("resumed") / step_file_name(1)));
  EXPECT_FALSE(fs::exists(path("resumed") / step_file_name(2)));
  EXPECT_FALSE(fs::exists(path("resumed") / "adapter_model.safetensors"));
  // An interrupted run is not a verified one.
  expect_rejected(verdict(path("resumed")), "step 2: step-000002.proof is missing");
  // A file the interruption left half written is never taken for a proof.
  ASSERT_TRUE(write_file_atomically(path("resumed") / (step_file_name(2) + ".tmp"), std::string("partial")).ok());
  const std::vector<uint8_t> step1 = bytes(path("resumed") / step_file_name(1));

  const RunResult rest = resume_run(path("resumed"), 0).value();
  EXPECT_TRUE(rest.complete);
  ASSERT_EQ(rest.steps.size(), 2u);
  EXPECT_EQ(bytes(path("resumed") / step_file_name(1)), step1);
  const RunVerdict v = verdict(path("resumed"));
  EXPECT_TRUE(v.accepted) << v.reason;
  const TrainSummary unproven = train_unproven(o, path("resumed-unproven"));
  EXPECT_EQ(bytes(path("resumed") / "adapter_model.safetensors"),
            bytes(path("resumed-unproven") / "adapter_model.safetensors"));
  for (size_t i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(rest.steps[i].loss, unproven.losses[i]);
  // A complete run resumes to nothing new.
  EXPECT_TRUE(resume_run(path("resumed"), 0).value().complete);
}

// Every tampering of a proven run is rejected with a reason naming the step or the file.
TEST_F(Run, TamperedRunsAreRejectedWithTheirReasons) {
  {
    SCOPED_TRACE("a step proof from another run");
    const fs::path run = copy_of("adamw", "other-run");
    fs::copy_file(path("sgd") / step_file_name(1), run / step_file_name(1), fs::copy_options::overwrite_existing);
    expect_rejected(verdict(run), "step 1: the proof belongs to another run");
  }
  {
    SCOPED_TRACE("two steps swapped");
    const fs::path run = copy_of("adamw", "swapped");
    fs::rename(run / step_file_name(1), run / "x");
    fs::rename(run / step_file_name(2), run / step_file_name(1));
    fs::rename(run / "x", run / step_file_name(2));
    expect_rejected(verdict(run), "step 1: the file holds the proof of step 2");
  }
  {
    SCOPED_TRACE("a step missing");
    const fs::path run = copy_of("adamw", "missing");
    fs::remove(run / step_file_name(1));
    expect_rejected(verdict(run), "step 1: step-000001.proof is missing");
  }
  {
    SCOPED_TRACE("a step duplicated");
    const fs::path run = copy_of("adamw", "duplicated");
    fs::copy_file(run / step_file_name(1), run / step_file_name(2), fs::copy_options::overwrite_existing);
    expect_rejected(verdict(run), "step 2: the file holds the proof of step 1");
    // A step renumbered to pass for the next one: it does not start where step 1 ended.
    StepFile f = step_file(run, 1);
    f.head.step = 2;
    ASSERT_TRUE(write_file_atomically(run / step_file_name(2), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 2: its batch indices are not the run's seeded order");
    f.head.indices = step_file(path("adamw"), 2).head.indices;
    ASSERT_TRUE(write_file_atomically(run / step_file_name(2), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 2: does not start from the commitments step 1 ended with");
  }
  {
    SCOPED_TRACE("a batch index changed");
    const fs::path run = copy_of("adamw", "index");
    StepFile f = step_file(run, 1);
    f.head.indices[0] = (f.head.indices[0] + 1) % 7;
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 1: its batch indices are not the run's seeded order");
    // Another seed in the statement (so that other indices would be the seeded order): the steps belong to
    // another run.
    const fs::path seeded = copy_of("adamw", "seed");
    const std::vector<uint8_t> text = bytes(seeded / kRunStatementFile);
    RunStatement s = RunStatement::from_json(std::string(text.begin(), text.end()), "statement").value();
    s.seed += 1;
    ASSERT_TRUE(write_file_atomically(seeded / kRunStatementFile, s.to_json()).ok());
    expect_rejected(verdict(seeded), "step 1: the proof belongs to another run");
  }
  {
    SCOPED_TRACE("a tampered or truncated proof");
    const fs::path run = copy_of("adamw", "tampered");
    StepFile f = step_file(run, 1);
    std::vector<uint8_t>& layer = f.parts[2].proof;
    layer[layer.size() / 2] ^= 0x10;
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    const RunVerdict v = verdict(run);
    expect_rejected(v, "step 1: proof rejected");
    EXPECT_EQ(v.steps.size(), 0u);
    // A truncated file.
    std::vector<uint8_t> b = bytes(path("adamw") / step_file_name(1));
    b.resize(b.size() - 100);
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), b).ok());
    expect_rejected(verdict(run), "step 1: ");
    // A proof beyond the last step.
    const fs::path beyond = copy_of("adamw", "beyond");
    fs::copy_file(beyond / step_file_name(2), beyond / step_file_name(3));
    expect_rejected(verdict(beyond), "step 3: a proof beyond the 2 steps");
    // A proof file that says it is in the clear channel, in a zero-knowledge run.
    f = step_file(path("adamw"), 1);
    f.head.mode = ChannelMode::CLEAR;
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 1: the proof is in the clear channel (--no-zk); the statement says zero");
  }
  {
    SCOPED_TRACE("sub-proofs swapped, missing or of another step");
    // The micro model's step: embedding, layer 0, layer 1, head, update.
    const fs::path run = copy_of("adamw", "parts");
    StepFile f = step_file(path("adamw"), 1);
    ASSERT_EQ(f.parts.size(), 5u);
    std::swap(f.parts[1], f.parts[2]);
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    RunVerdict v = verdict(run);
    expect_rejected(v, "step 1: sub-proof 2 is the layer 1's where the layer 0's belongs");
    EXPECT_EQ(v.code, ErrorCode::SUBPROOF_MISMATCH);
    // Relabelled to the order the step expects: each is checked as the part it claims to be, and is not.
    std::swap(f.parts[1].part, f.parts[2].part);
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    v = verdict(run);
    expect_rejected(v, "step 1: proof rejected: TRANSCRIPT_MISMATCH: layer 0: ");
    // One missing.
    f = step_file(path("adamw"), 1);
    f.parts.erase(f.parts.begin() + 3);
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 1: the file holds 4 sub-proofs, the step 5");
    // The same layer's sub-proof of another step, and a header with one cut's commitment another's.
    f = step_file(path("adamw"), 1);
    f.parts[2] = step_file(path("adamw"), 2).parts[2];
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 1: proof rejected: TRANSCRIPT_MISMATCH: layer 1: ");
    f = step_file(path("adamw"), 1);
    f.head.cuts[1].second = f.head.cuts[2].second;
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 1: proof rejected: TRANSCRIPT_MISMATCH: embedding: ");
    f.head.cuts.pop_back();
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 1: proof rejected: SUBPROOF_MISMATCH: step header: ");
  }
  {
    SCOPED_TRACE("steps relabelled to another run");
    // The same run cut to one step is another run (another digest): its first step is the same work, but every
    // sub-proof's transcript names the run it was proven in.
    const fs::path run = copy_of("adamw", "relabelled");
    const std::vector<uint8_t> text = bytes(run / kRunStatementFile);
    RunStatement s = RunStatement::from_json(std::string(text.begin(), text.end()), "statement").value();
    s.steps = 1;
    ASSERT_TRUE(write_file_atomically(run / kRunStatementFile, s.to_json()).ok());
    fs::remove(run / step_file_name(2));
    StepFile f = step_file(run, 1);
    f.head.run = s.digest();
    ASSERT_TRUE(write_file_atomically(run / step_file_name(1), f.to_bytes()).ok());
    expect_rejected(verdict(run), "step 1: proof rejected: TRANSCRIPT_MISMATCH: embedding: ");
  }
  {
    SCOPED_TRACE("an initial commitment set with a tensor the statement does not name");
    const fs::path run = copy_of("adamw", "extra-initial");
    PublicCommitments initial = decode_commitment_set(bytes(run / kRunInitialFile), "initial").value();
    initial.emplace("adapter.0.o_proj.A", initial.at("adapter.0.q_proj.A"));
    const std::vector<uint8_t> set = encode_commitment_set(initial);
    ASSERT_TRUE(write_file_atomically(run / kRunInitialFile, set).ok());
    const std::vector<uint8_t> text = bytes(run / kRunStatementFile);
    RunStatement s = RunStatement::from_json(std::string(text.begin(), text.end()), "statement").value();
    s.initial_digest = file_digest(set);
    ASSERT_TRUE(write_file_atomically(run / kRunStatementFile, s.to_json()).ok());
    expect_rejected(verdict(run), "initial.commitments.bin does not hold exactly the adapter matrices");
  }
  {
    SCOPED_TRACE("an adapter that is not the committed one");
    // The adamw run's adapter in the sgd run: the opening is the adamw run's too, so it opens other commitments.
    const fs::path run = copy_of("sgd", "adapter");
    for (const char* f : {"adapter_model.safetensors", kRunOpeningFile}) {
      fs::copy_file(path("adamw") / f, run / f, fs::copy_options::overwrite_existing);
    }
    expect_rejected(verdict(run), "adapter_opening.bin does not open the adapter the last step committed");
    // Only the PEFT file replaced: it is not the adapter the opening opens.
    fs::copy_file(path("sgd") / kRunOpeningFile, run / kRunOpeningFile, fs::copy_options::overwrite_existing);
    expect_rejected(verdict(run), "adapter_model.safetensors is not the adapter the last step committed");
    // Without the adapter and its opening the run verifies and reports the final commitment only.
    fs::remove(run / kRunOpeningFile);
    fs::remove(run / "adapter_model.safetensors");
    const RunVerdict v = verdict(run);
    EXPECT_TRUE(v.accepted) << v.reason;
    EXPECT_EQ(v.adapter, RunVerdict::Adapter::NOT_CARRIED);
    EXPECT_EQ(v.final_adapter, verdict(path("sgd")).final_adapter);
  }
  {
    SCOPED_TRACE("weights without their check");
    const fs::path run = copy_of("adamw", "unchecked");
    const fs::path model_c = path("model") / "zklora-commitment.bin";
    WeightCommitmentFile file = read_weight_commitment(model_c).value();
    file.weight_check.clear();
    ASSERT_TRUE(write_weight_commitment(path("unchecked.bin"), file, read_weight_prover_commitments(model_c).value()).ok());
    fs::copy_file(path("unchecked.bin"), run / kRunWeightsFile, fs::copy_options::overwrite_existing);
    const std::vector<uint8_t> text = bytes(run / kRunStatementFile);
    RunStatement st = RunStatement::from_json(std::string(text.begin(), text.end()), "statement").value();
    st.weights_digest = file_digest(bytes(run / kRunWeightsFile));
    st.weights_checked = false;
    ASSERT_TRUE(write_file_atomically(run / kRunStatementFile, st.to_json()).ok());
    expect_rejected(verdict(run), "carries no weight check (made with --skip-weight-check); pass --trust-weights");
    // Trusted, the commitment passes; the steps were proven under the other statement.
    VerifyRunOptions trust;
    trust.trust_weights = true;
    const RunVerdict v = verdict(run, trust);
    expect_rejected(v, "step 1: the proof belongs to another run");
    EXPECT_FALSE(v.weights_checked);
  }
  {
    SCOPED_TRACE("weights other than the verifier's own");
    VerifyRunOptions o;
    o.weights = path("model") / "zklora-commitment.bin";
    EXPECT_TRUE(verdict(path("adamw"), o).accepted);
    // Another commitment to the same model (other blinds): not the one the run was proven against.
    const fs::path other = path("other-weights.bin");
    fs::copy_file(path("adamw") / kRunWeightsFile, other, fs::copy_options::overwrite_existing);
    std::vector<uint8_t> b = bytes(other);
    b.back() ^= 1;
    ASSERT_TRUE(write_file_atomically(other, b).ok());
    o.weights = other;
    expect_rejected(verdict(path("adamw"), o), "proven against another weight commitment");
    // A missing statement is unreadable input, not a verdict.
    EXPECT_FALSE(verify_run(path("no-such-run")).ok());
  }
}

// A run proven in the clear channel (`--no-zk`) reveals its witness: a verifier rejects it unless it allows that.
TEST_F(RunFiles, ClearRunIsRejectedUnlessAllowed) {
  RunOptions o = options("clear", OptimizerKind::SGD);
  o.train.steps = 1;
  o.zero_knowledge = false;
  ASSERT_TRUE(prove_run(o).value().complete);
  expect_rejected(verdict(path("clear")), "not zero knowledge");
  VerifyRunOptions allow;
  allow.allow_clear = true;
  const RunVerdict v = verdict(path("clear"), allow);
  EXPECT_TRUE(v.accepted) << v.reason;
  StepFile f = step_file(path("clear"), 1);
  EXPECT_EQ(f.head.mode, ChannelMode::CLEAR);
  f.head.mode = ChannelMode::ZERO_KNOWLEDGE;
  ASSERT_TRUE(write_file_atomically(path("clear") / step_file_name(1), f.to_bytes()).ok());
  expect_rejected(verdict(path("clear"), allow), "step 1: the proof is zero knowledge; the statement says the clear");
}

TEST_F(RunFiles, BadOptionsAndExistingRunsAreRefused) {
  RunOptions o = options("existing", OptimizerKind::ADAMW);
  fs::create_directories(path("existing"));
  ASSERT_TRUE(write_file_atomically(path("existing") / kRunStatementFile, std::string("{}")).ok());
  auto again = prove_run(o);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("pass --overwrite"), std::string::npos) << again.error().message;
  o.train.out_dir = path("bad");
  o.train.batch = 100;
  EXPECT_EQ(prove_run(o).code(), ErrorCode::INVALID_ARGUMENT);
  o.train.batch = 2;
  o.train.seq = 1;
  EXPECT_EQ(prove_run(o).code(), ErrorCode::INVALID_ARGUMENT);
  // A data commitment of another data set.
  o.train.seq = 6;
  const ModelConfig c = testing::micro_config();
  const DataProverCommitment other = commit_data(testing::random_sequences(7, 6, c.vocab_size, 1), 6, c);
  ASSERT_TRUE(write_data_commitment(path("other-data.bin"), other).ok());
  o.data_commitment = path("other-data.bin");
  auto r = prove_run(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("another data set"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace zklora
