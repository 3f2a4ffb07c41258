#pragma once
// Replaces the global operator new/delete to count the allocations each
// thread makes. Include it from exactly one source file of a test
// executable of its own (a program may replace operator new only once).

#include <cstddef>
#include <cstdlib>
#include <new>

namespace mlmon::test {

/// Allocations through operator new made by the calling thread so far.
inline thread_local long tl_allocations = 0;

}  // namespace mlmon::test

// GCC pairs inlined new-expressions with these replacements and warns about
// malloc/free; the pairing is exactly what a replacement operator new does.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  ++mlmon::test::tl_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
