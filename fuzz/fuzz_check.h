// FUZZ_CHECK: an invariant of a harness. A failure prints where and aborts,
// which libFuzzer reports as a crash (and the regression replay as a failed
// test), in every build type.
#ifndef PERISCOPE_FUZZ_FUZZ_CHECK_H_
#define PERISCOPE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

#endif  // PERISCOPE_FUZZ_FUZZ_CHECK_H_
