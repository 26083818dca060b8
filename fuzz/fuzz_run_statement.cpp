// libFuzzer target: the statement.json reader (io/run_statement.h). Anything it accepts is a statement whose
// canonical text reads back to the same statement.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "zklora/io/run_statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto s = zklora::RunStatement::from_json(text, "fuzz");
  if (!s.ok()) return 0;
  auto back = zklora::RunStatement::from_json(s->to_json(), "fuzz");
  if (!back.ok() || back->to_json() != s->to_json()) std::abort();
  return 0;
}
