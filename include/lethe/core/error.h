// Typed errors. Library code throws; only main() turns an error into an exit code.
// Every message names the file, key or tensor it is about and, where one exists, a hint.
#pragma once
#include <stdexcept>
#include <string>

namespace lethe {

// Base of every error Lethe throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Something is wrong with a file's contents: "<path>: <problem>".
class FormatError : public Error {
 public:
  FormatError(const std::string& path, const std::string& problem)
      : Error(path + ": " + problem), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A configuration value or command-line option is invalid.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A tensor has the wrong shape, dtype or device.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// Checks a condition that depends on input; throws FormatError(path, problem) when false.
inline void check_format(bool ok, const std::string& path, const std::string& problem) {
  if (!ok) throw FormatError(path, problem);
}

}  // namespace lethe
