#include "lethe/core/files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lethe/core/error.h"

namespace fs = std::filesystem;

namespace lethe {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path, "cannot open file for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json read_json_file(const std::string& path) {
  const std::string text = read_text_file(path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw FormatError(path, std::string("invalid JSON: ") + e.what());
  }
}

void write_text_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw FormatError(tmp, "cannot open file for writing");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) throw FormatError(tmp, "write failed (disk full?)");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw FormatError(path, "cannot rename temporary file into place: " + ec.message());
}

void write_json_file(const std::string& path, const json& value, int indent) {
  write_text_file_atomic(path, value.dump(indent) + "\n");
}

bool file_exists(const std::string& path) { return fs::exists(path); }
bool is_directory(const std::string& path) { return fs::is_directory(path); }
std::string join_path(const std::string& a, const std::string& b) { return (fs::path(a) / b).string(); }

}  // namespace lethe
