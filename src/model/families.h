// Internal: one function per family, each defined in its own family_*.cpp, collected by
// registry.cpp. (Explicit calls rather than static registration: a static library would drop
// family objects nothing refers to.)
#pragma once
#include "lethe/model/registry.h"

namespace lethe::families {
Architecture llama();
Architecture mistral();
Architecture qwen2();
}  // namespace lethe::families
