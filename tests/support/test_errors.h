// The message of the error a call throws, for tests that check what an error says.
#pragma once
#include <functional>
#include <string>

#include "lethe/core/error.h"

namespace lethe::testing {

// e.what() of the E that f() throws; "" when f() returns normally (other exceptions propagate).
template <typename E = lethe::Error>
std::string error_text(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace lethe::testing
