// The progress of a proven run on stderr (progress.h).
#include "progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace zklora::cli {

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

namespace {

const char* phase_name(RunObserver::Phase p) {
  switch (p) {
    case RunObserver::Phase::ENGINE: return "engine pass and header";
    case RunObserver::Phase::PROVE: return "sub-proofs";
  }
  return "";
}

}  // namespace

RunProgress::RunProgress(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1) {}

RunProgress::~RunProgress() { clear_line(); }

void RunProgress::clear_line() {
  if (line_open_) std::cerr << "\r\033[K" << std::flush;
  line_open_ = false;
}

void RunProgress::message(const std::string& line) {
  if (quiet_) return;
  clear_line();
  std::cerr << line << "\n";
}

void RunProgress::draw(const std::string& what, int64_t step, int64_t steps, double step_left_s) {
  const double elapsed = run_.seconds();
  std::string remaining = "?";
  const double later_steps = static_cast<double>(steps - step);
  if (done_ > 0 && step_left_s >= 0) {
    remaining = clock_text(step_left_s + proving_s_ / static_cast<double>(done_) * later_steps);
  } else if (done_ > 0) {
    remaining = clock_text(proving_s_ / static_cast<double>(done_) * (later_steps + 1));
  } else if (step_left_s >= 0 && steps == step) {
    remaining = clock_text(step_left_s);
  } else if (step_left_s >= 0) {
    remaining = clock_text(step_left_s) + " in this step";
  }
  char buf[320];
  std::snprintf(buf, sizeof buf, "step %lld/%lld  %s  elapsed %s  remaining %s", static_cast<long long>(step),
                static_cast<long long>(steps), what.c_str(), clock_text(elapsed).c_str(), remaining.c_str());
  if (tty_) {
    std::cerr << "\r\033[K" << buf << std::flush;
    line_open_ = true;
  } else {
    std::cerr << buf << "\n";
  }
}

void RunProgress::phase(Phase phase, int64_t step, int64_t steps) {
  if (!quiet_) draw(phase_name(phase), step, steps);
}

void RunProgress::subproofs(int64_t step, int64_t steps, size_t done, size_t parts, const std::string& running,
                            double left_s) {
  if (quiet_ || done == parts) return;
  std::string what = "sub-proof " + std::to_string(done + 1) + "/" + std::to_string(parts);
  if (!running.empty()) what += " (" + running + ")";
  draw(what, step, steps, left_s);
}

bool RunProgress::step_done(const StepReport& r, int64_t steps) {
  ++done_;
  proving_s_ += r.witness_s + r.commit_s + r.prove_s;
  if (quiet_) return true;
  clear_line();
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "step %lld/%lld  loss %.4f  tokens %lld  engine %.2f s  header %.2f s  %lld sub-proofs %.1f s  "
                "proof %.0f KB",
                static_cast<long long>(r.step), static_cast<long long>(steps), r.loss,
                static_cast<long long>(r.tokens), r.witness_s, r.commit_s, static_cast<long long>(r.subproofs),
                r.prove_s, static_cast<double>(r.proof_bytes) / 1024.0);
  std::cerr << buf << "\n";
  return true;
}

}  // namespace zklora::cli
