// Proving a step's sub-proofs on workers (prove_parts.h).
#include "prove_parts.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "zklora/base/memory.h"
#include "zklora/base/threads.h"
#include "zklora/base/timer.h"

namespace zklora::io {
namespace {

// Measured: a llama-2-7b-shaped layer's STEP part (part_cost_estimate about 1e9) peaks near 5 GB.
constexpr double kBytesPerCostUnit = 6.0;

class Estimate {
 public:
  explicit Estimate(const StepProver& p) {
    for (const PartId& part : p.plan().parts) costs_.push_back(part_cost_estimate(p.statement(), part));
    for (const double c : costs_) total_ += c;
  }
  // Seconds left after the parts marked done took `elapsed` seconds (a part running counts half).
  double left(const std::vector<int>& state, double elapsed) const {
    double done = 0;
    for (size_t k = 0; k < costs_.size(); ++k) done += state[k] == 2 ? costs_[k] : state[k] == 1 ? costs_[k] / 2 : 0;
    if (done <= 0) return -1;
    return elapsed / done * (total_ - done);
  }

 private:
  std::vector<double> costs_;
  double total_ = 0;
};

}  // namespace

int jobs_that_fit(const StepProver& prover, int jobs) {
  double largest = 0;
  for (const PartId& part : prover.plan().parts) {
    largest = std::max(largest, part_cost_estimate(prover.statement(), part));
  }
  const double need = kBytesPerCostUnit * largest;
  const auto available = static_cast<double>(available_memory_bytes());
  if (available <= 0 || need <= 0) return std::max(1, jobs);
  return std::clamp(static_cast<int>(available / need), 1, std::max(1, jobs));
}

Status prove_parts(const StepProver& prover, int jobs, int threads, const PartSink& sink,
                   const PartProgress& progress) {
  const size_t n = prover.plan().parts.size();
  jobs = std::clamp(jobs, 1, static_cast<int>(std::max<size_t>(n, 1)));
  const int per_job = std::max(1, resolve_threads(threads) / jobs);
  const Estimate estimate(prover);
  Stopwatch clock;
  std::vector<int> state(n, 0);  // 0 waiting, 1 running, 2 done
  const auto running_names = [&] {
    std::string names;
    for (size_t k = 0; k < n; ++k) {
      if (state[k] != 1) continue;
      if (!names.empty()) names += ", ";
      names += prover.plan().parts[k].name();
    }
    return names;
  };

  if (jobs == 1) {
    for (size_t k = 0; k < n; ++k) {
      state[k] = 1;
      if (progress) progress(k, running_names(), estimate.left(state, clock.seconds()));
      Stopwatch sw;
      StepProveOptions o;
      o.threads = per_job;
      PartDone d{k, prover.prove(k, o), 0};
      d.seconds = sw.seconds();
      state[k] = 2;
      if (Status s = sink(d); !s) return s;
    }
    if (progress) progress(n, "", 0);
    return {};
  }

  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0, handed = 0;
  uint64_t changes = 1, shown = 0;  // state changes, and the last one progress was told of
  std::map<size_t, PartDone> finished;
  std::exception_ptr failure;
  bool stop = false;
  const auto worker = [&] {
    for (;;) {
      size_t k;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stop || next == n) return;
        k = next++;
        state[k] = 1;
        ++changes;
      }
      cv.notify_all();
      try {
        Stopwatch sw;
        StepProveOptions o;
        o.threads = per_job;
        PartDone d{k, prover.prove(k, o), 0};
        d.seconds = sw.seconds();
        std::lock_guard<std::mutex> lock(mu);
        state[k] = 2;
        ++changes;
        finished.emplace(k, std::move(d));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
        stop = true;
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (int j = 0; j < jobs; ++j) workers.emplace_back(worker);
  Status result;
  {
    std::unique_lock<std::mutex> lock(mu);
    while (handed < n && !stop) {
      if (progress && shown != changes) {
        shown = changes;
        const std::string names = running_names();
        const double left = estimate.left(state, clock.seconds());
        lock.unlock();
        progress(handed, names, left);
        lock.lock();
      }
      cv.wait(lock, [&] { return stop || finished.count(handed) > 0 || shown != changes; });
      while (finished.count(handed) > 0) {
        PartDone d = std::move(finished.at(handed));
        finished.erase(handed);
        lock.unlock();
        Status s = sink(d);
        lock.lock();
        if (!s) {
          result = s;
          stop = true;
          break;
        }
        ++handed;
        ++changes;
      }
    }
  }
  cv.notify_all();
  for (std::thread& t : workers) t.join();
  if (failure) std::rethrow_exception(failure);
  if (result.ok() && progress) progress(n, "", 0);
  return result;
}

}  // namespace zklora::io
