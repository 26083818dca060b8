// Private to the cli layer: the progress of a proven run on stderr (DESIGN.md section 6). On a terminal one line
// redrawn in place: the step, its phase or the sub-proofs done and the ones running, elapsed and remaining time
// (of the step from the prover's estimate, of the run from the steps done); otherwise plain lines, one per phase,
// per sub-proof begun and per proven step. Quiet: nothing.
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
  void subproofs(int64_t step, int64_t steps, size_t done, size_t parts, const std::string& running,
                 double left_s) override;
  bool step_done(const StepReport& r, int64_t steps) override;

 private:
  void draw(const std::string& what, int64_t step, int64_t steps, double step_left_s = -1);
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
