// Small file helpers: whole-file reads, JSON reading with errors that name the file, and
// atomic writes (write to "<path>.tmp", then rename) so an interrupted write never leaves a
// half-written file where a good one was.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace lethe {

using json = nlohmann::json;

std::string read_text_file(const std::string& path);
json read_json_file(const std::string& path);
// Writes `content` to `path` atomically (temporary file + rename).
void write_text_file_atomic(const std::string& path, const std::string& content);
void write_json_file(const std::string& path, const json& value, int indent = 2);
bool file_exists(const std::string& path);
bool is_directory(const std::string& path);
std::string join_path(const std::string& a, const std::string& b);

}  // namespace lethe
