// `zklora inspect FILE|RUN [--parts] [--json]`: what a run directory or one of the project's files holds
// (io/inspect.h), as readable text or as JSON. Exit code 2 for a file that is not one of the project's or that its
// reader refuses.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "zklora/io/inspect.h"

namespace zklora::cli {
namespace {

using nlohmann::json;

struct InspectArgs {
  std::string path;
  bool json_out = false;
  bool parts = false;
};

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const json& x : v) s += (s.empty() ? "" : ",") + scalar_text(x);
    return "[" + s + "]";
  }
  return v.dump();
}

bool is_table(const json& v) { return v.is_array() && !v.empty() && v.front().is_object(); }

// A list of objects as a table: one column per key of the first row (nested objects flattened as key.sub).
void print_table(const json& rows, const std::string& indent) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : rows.front().items()) {
    if (v.is_object()) {
      for (const auto& [k2, v2] : v.items()) keys.push_back(k + "." + k2);
    } else {
      keys.push_back(k);
    }
  }
  const auto cell = [](const json& row, const std::string& key) {
    const size_t dot = key.find('.');
    const json* v = &row;
    if (dot == std::string::npos) {
      if (!row.contains(key)) return std::string();
      v = &row.at(key);
    } else {
      const std::string a = key.substr(0, dot), b = key.substr(dot + 1);
      if (!row.contains(a) || !row.at(a).contains(b)) return std::string();
      v = &row.at(a).at(b);
    }
    return scalar_text(*v);
  };
  std::vector<size_t> width(keys.size());
  for (size_t c = 0; c < keys.size(); ++c) {
    width[c] = keys[c].size();
    for (const json& r : rows) width[c] = std::max(width[c], cell(r, keys[c]).size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string s = indent;
    for (size_t c = 0; c < cells.size(); ++c) s += cells[c] + std::string(width[c] - cells[c].size() + 2, ' ');
    std::cout << s << "\n";
  };
  line(keys);
  for (const json& r : rows) {
    std::vector<std::string> cells;
    for (const std::string& k : keys) cells.push_back(cell(r, k));
    line(cells);
  }
}

void print_text(const json& j, const std::string& indent) {
  for (const auto& [k, v] : j.items()) {
    if (v.is_object()) {
      std::cout << indent << k << ":\n";
      print_text(v, indent + "  ");
    } else if (is_table(v)) {
      std::cout << indent << k << ":\n";
      print_table(v, indent + "  ");
    } else {
      std::cout << indent << k << ": " << scalar_text(v) << "\n";
    }
  }
}

int run_inspect(const InspectArgs& a, const GlobalOptions& global) {
  const json j = inspect_path(a.path, a.parts, global.threads).value();
  if (a.json_out) {
    std::cout << j.dump(1) << "\n";
  } else {
    print_text(j, "");
  }
  return 0;
}

}  // namespace

void add_inspect_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global) {
  auto a = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show what a run, a proof, a commitment or a statement holds");
  cmd->add_option("PATH", a->path, "A run directory or a file zklora wrote")->required();
  cmd->add_flag("--json", a->json_out, "JSON instead of text");
  cmd->add_flag("--parts", a->parts, "For a run: verify every step and break its proof's bytes down by part");
  commands.push_back({cmd, [a, &global] { return run_inspect(*a, global); }});
}

}  // namespace zklora::cli
