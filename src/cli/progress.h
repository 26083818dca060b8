// Private to the cli layer: the progress of a proven run on stderr (DESIGN.md section 6). On a terminal one line
// redrawn in place: phase, step done/total, elapsed and remaining time; otherwise plain lines, one per phase and
// one per proven step. Quiet: nothing.
#pragma once

#include <cstdint>
#include <string>

#include "zklora/base/timer.h"
#include "zklora/io/run_prover.h"

namespace zklora::cli {

class RunProgress : public RunObserver {
 public:
  explicit RunProgress(bool quiet);
  ~RunProgress() override;
  void message(const std::string& line) override;
  void phase(Phase phase, int64_t step, int64_t steps) override;
  bool step_done(const StepReport& r, int64_t steps) override;

 private:
  void draw(const std::string& what, int64_t step, int64_t steps);
  void clear_line();
  bool quiet_, tty_;
  bool line_open_ = false;
  Stopwatch run_;
  int64_t done_ = 0;          // steps finished in this process
  double proving_s_ = 0;      // their total time
};

// "1:05", "2:03:04".
std::string clock_text(double seconds);

}  // namespace zklora::cli
