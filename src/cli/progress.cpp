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
    case RunObserver::Phase::WITNESS: return "witness";
    case RunObserver::Phase::COMMIT: return "commit";
    case RunObserver::Phase::PROVE: return "prove";
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

void RunProgress::draw(const std::string& what, int64_t step, int64_t steps) {
  const double elapsed = run_.seconds();
  std::string remaining = "?";
  if (done_ > 0) remaining = clock_text(proving_s_ / static_cast<double>(done_) * static_cast<double>(steps - step + 1));
  char buf[160];
  std::snprintf(buf, sizeof buf, "step %lld/%lld  %-7s  done %lld/%lld  elapsed %s  remaining %s",
                static_cast<long long>(step), static_cast<long long>(steps), what.c_str(),
                static_cast<long long>(step - 1), static_cast<long long>(steps), clock_text(elapsed).c_str(),
                remaining.c_str());
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

bool RunProgress::step_done(const StepReport& r, int64_t steps) {
  ++done_;
  proving_s_ += r.witness_s + r.commit_s + r.prove_s;
  if (quiet_) return true;
  clear_line();
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "step %lld/%lld  loss %.4f  tokens %lld  witness %.2f s  commit %.2f s  prove %.1f s  proof %.0f KB",
                static_cast<long long>(r.step), static_cast<long long>(steps), r.loss,
                static_cast<long long>(r.tokens), r.witness_s, r.commit_s, r.prove_s,
                static_cast<double>(r.proof_bytes) / 1024.0);
  std::cerr << buf << "\n";
  return true;
}

}  // namespace zklora::cli
