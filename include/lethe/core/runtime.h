// Process-wide runtime settings: the thread count (libtorch defaults to 1 here).
#pragma once

namespace lethe {

// Sets intra-op threads to `threads`, or to $LETHE_THREADS, or to the number of cores when <= 0.
// Returns the count in effect.
int init_threads(int threads = 0);

}  // namespace lethe
