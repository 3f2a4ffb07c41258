#pragma once
// Private to src/drift: spreading independent per-feature work (profiling,
// offline drift evaluation) over a few threads. Cold path only.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace mlmon {
inline namespace v1 {
namespace detail {

// Runs work(i) for i in [0, n) on up to `threads` threads (0: one per
// hardware thread), the caller's thread included. Items are claimed one at a
// time, so a slow feature does not hold up a fixed share. The first failing
// item's exception (lowest index) is rethrown on the caller's thread after
// every thread has stopped, so results are deterministic.
inline void parallel_for(std::size_t n, std::size_t threads, const std::function<void(std::size_t)>& work) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, n);
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) work(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(n);
  const auto run = [&] {
    for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      try {
        work(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(run);
  run();
  for (auto& thread : pool) thread.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
