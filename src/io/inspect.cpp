// `zklora inspect` (inspect.h).
#include "zklora/io/inspect.h"

#include <cstring>
#include <string>

#include "zklora/base/files.h"
#include "zklora/model/llama.h"
#include "zklora/io/commitment_files.h"
#include "zklora/io/run_files.h"
#include "zklora/io/run_statement.h"
#include "zklora/io/run_verifier.h"
#include "zklora/io/step_file.h"

namespace zklora {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint64_t kMaxInspectBytes = uint64_t{1} << 34;

bool starts_with(const std::vector<uint8_t>& b, std::string_view magic) {
  return b.size() >= magic.size() && std::memcmp(b.data(), magic.data(), magic.size()) == 0;
}

uint64_t commitments_bytes(const PublicCommitments& c) {
  uint64_t n = 0;
  for (const auto& [name, x] : c) n += x.byte_size();
  return n;
}

// A step file's head and its sub-proofs' names and sizes (read one at a time, their bytes skipped).
Result<json> step_json(const fs::path& file, const std::string& where, int threads) {
  auto r = StepFileReader::open(file, where, threads, kMaxInspectBytes);
  if (!r) return r.error();
  const StepFileHead& f = r->head();
  json parts = json::array();
  uint64_t cuts_bytes = 0;
  for (const auto& [name, c] : f.cuts) cuts_bytes += c.byte_size();
  for (;;) {
    auto p = r->skip();
    if (!p) return p.error();
    if (!p->has_value()) break;
    parts.push_back({{"subproof", (*p)->first.name()}, {"bytes", (*p)->second}});
  }
  return json{{"kind", "step proof"},
              {"zero_knowledge", f.mode == ChannelMode::ZERO_KNOWLEDGE},
              {"run", to_hex(f.run)},
              {"step", f.step},
              {"batch_indices", f.indices},
              {"loss", mean_loss(f.loss_sum, f.count)},
              {"loss_sum", f.loss_sum},
              {"tokens", f.count},
              {"starts_from", to_hex(f.input)},
              {"outputs", f.outputs.size()},
              {"outputs_bytes", commitments_bytes(f.outputs)},
              {"cuts", f.cuts.size()},
              {"cuts_bytes", cuts_bytes},
              {"subproofs", parts},
              {"file_bytes", r->file_bytes()}};
}

json statement_json(const RunStatement& s) {
  json j = json::parse(s.to_json());
  j["run_digest"] = to_hex(s.digest());
  j["kind"] = "run statement";
  return j;
}

json parts_json(const GraphProfile& p) {
  return {{"commitments", p.commitments_bytes}, {"zero_padding", p.padding_bytes},
          {"range_argument", p.range_bytes},    {"lookups", p.lookups_bytes},
          {"operations", p.operations_bytes},   {"openings", p.openings_bytes}};
}

Result<json> inspect_file(const fs::path& file, int threads) {
  auto bytes = read_file(file, kMaxInspectBytes);
  if (!bytes) return bytes.error();
  const std::vector<uint8_t>& b = bytes.value();
  const std::string where = file.string();
  json j;
  if (starts_with(b, std::string_view(kStepFileMagic, 8))) {
    auto f = step_json(file, where, threads);
    if (!f) return f.error();
    j = std::move(f.value());
  } else if (starts_with(b, std::string_view(kWeightCommitmentMagic, 8))) {
    auto w = parse_weight_commitment(b, where, threads);
    if (!w) return w.error();
    j = {{"kind", "weight commitment (public)"},
         {"fixed_point_format", w->format_version},
         {"model_content_hash", w->content_hash},
         {"model", json::parse(w->config_json, nullptr, false)},
         {"tensors", w->tensors.size()},
         {"commitments_bytes", commitments_bytes(w->tensors)},
         {"weight_check_bytes", w->weight_check.size()},
         {"checked", !w->weight_check.empty()}};
  } else if (starts_with(b, std::string_view(kWeightBlindsMagic, 8))) {
    j = {{"kind", "weight commitment (prover's blinding factors: keep private)"}};
  } else if (starts_with(b, std::string_view(kDataCommitmentMagic, 8))) {
    auto d = parse_data_commitment(b, where, threads);
    if (!d) return d.error();
    j = {{"kind", "data commitment (public)"},
         {"fixed_point_format", d->format_version},
         {"examples", d->examples()},
         {"seq", d->seq},
         {"vocab", d->vocab},
         {"pad_token", d->pad_token},
         {"digest", to_hex(data_digest(d.value()))}};
  } else if (starts_with(b, std::string_view(kDataBlindsMagic, 8))) {
    j = {{"kind", "data commitment (prover's blinding factors: keep private)"}};
  } else if (starts_with(b, "ZKLCSET1")) {
    auto c = decode_commitment_set(b, where, threads);
    if (!c) return c.error();
    json names = json::array();
    for (const auto& [name, x] : c.value()) names.push_back(name);
    j = {{"kind", "commitment set"}, {"commitments", names}, {"digest", to_hex(commitments_digest(c.value()))}};
  } else if (starts_with(b, "ZKLOPEN1")) {
    auto o = decode_opening(b, where);
    if (!o) return o.error();
    json tensors = json::object();
    for (const auto& [name, t] : o->tensors) tensors[name] = t.dims;
    j = {{"kind", "tensor opening (the tensors and their blinds: share only with who may see them)"},
         {"step", o->step},
         {"tensors", tensors}};
  } else if (!b.empty() && b.front() == '{') {
    auto s = RunStatement::from_json(std::string(b.begin(), b.end()), where);
    if (!s) return s.error();
    j = statement_json(s.value());
  } else {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora proof, commitment, opening or statement");
  }
  j["file"] = where;
  j["bytes"] = b.size();
  return j;
}

Result<json> inspect_run(const fs::path& run, bool parts, int threads) {
  auto text = read_file(run / kRunStatementFile, uint64_t{1} << 24);
  if (!text) return text.error();
  auto st = RunStatement::from_json(std::string(text->begin(), text->end()), (run / kRunStatementFile).string());
  if (!st) return st.error();
  json j = {{"kind", "run"}, {"run", run.string()}, {"statement", statement_json(st.value())}};
  json files = json::object();
  for (const char* f : {kRunWeightsFile, kRunDataFile, kRunInitialFile, kRunOpeningFile, kRunReportFile,
                        kRunPlotFile, "adapter_model.safetensors", "adapter_config.json"}) {
    std::error_code ec;
    if (!fs::exists(run / f, ec)) continue;
    json e = {{"bytes", fs::file_size(run / f, ec)}};
    if (f == std::string(kRunWeightsFile) || f == std::string(kRunInitialFile)) {
      if (auto b = read_file(run / f, kMaxInspectBytes)) e["sha256"] = to_hex(file_digest(b.value()));
    }
    files[f] = e;
  }
  j["files"] = files;
  json steps = json::array();
  uint64_t total = 0;
  for (int64_t t = 1; t <= st->steps; ++t) {
    const fs::path f = run / step_file_name(t);
    std::error_code ec;
    if (!fs::exists(f, ec)) break;
    auto sf = step_json(f, f.string(), threads);
    if (!sf) return sf.error();
    json e = std::move(sf.value());
    e["of_this_run"] = e["run"] == to_hex(st->digest());
    e.erase("kind");
    e.erase("run");
    total += e["file_bytes"].get<uint64_t>();
    steps.push_back(e);
  }
  j["steps_stated"] = st->steps;
  j["steps_present"] = steps.size();
  j["proof_bytes_total"] = total;
  if (parts) {
    VerifyRunOptions o;
    o.threads = threads;
    o.trust_weights = true;
    o.allow_clear = true;
    auto v = verify_run(run, o);
    if (!v) return v.error();
    for (size_t i = 0; i < v->steps.size() && i < steps.size(); ++i) {
      steps[i]["parts_bytes"] = parts_json(v->steps[i].profile);
      steps[i]["verify_s"] = v->steps[i].verify_s;
      json& subs = steps[i]["subproofs"];
      for (size_t k = 0; k < v->steps[i].subproofs.size() && k < subs.size(); ++k) {
        subs[k]["verify_s"] = v->steps[i].subproofs[k].verify_s;
      }
    }
    // inspect checks what it can of any run: say what the verdict took on trust.
    std::string verdict = v->accepted ? "accepted" : "rejected: " + v->reason;
    if (v->accepted && !v->weights_checked) verdict += ", with the base weights TRUSTED (no weight check)";
    if (v->accepted && !st->zero_knowledge) verdict += ", in the CLEAR channel (the proofs reveal weights and data)";
    j["verdict"] = verdict;
    j["weights_checked"] = v->weights_checked;
  }
  j["steps"] = steps;
  return j;
}

}  // namespace

Result<json> inspect_path(const fs::path& path, bool parts, int threads) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return inspect_run(path, parts, threads);
  if (!fs::exists(path, ec)) return make_error(ErrorCode::IO, path.string() + ": no such file or directory");
  return inspect_file(path, threads);
}

}  // namespace zklora
