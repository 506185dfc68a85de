// Sharded safetensors checkpoints: model.safetensors.index.json -> shards, and the choice between
// a single model.safetensors and an index in a model directory.
#include <filesystem>

#include "lethe/core/error.h"
#include "lethe/io/safetensors.h"

namespace fs = std::filesystem;

namespace lethe {

namespace {
constexpr const char* kSingleName = "model.safetensors";
constexpr const char* kIndexName = "model.safetensors.index.json";
}  // namespace

ShardedSafetensors ShardedSafetensors::open(const std::string& dir_or_index_path) {
  const std::string index_path = is_directory(dir_or_index_path)
                                     ? join_path(dir_or_index_path, kIndexName)
                                     : dir_or_index_path;
  check_format(file_exists(index_path), index_path, "index file does not exist");
  const json index = read_json_file(index_path);
  check_format(index.is_object(), index_path, "index is not a JSON object");
  check_format(index.contains("weight_map") && index["weight_map"].is_object(), index_path,
               "index has no \"weight_map\" object");
  const json& weight_map = index["weight_map"];
  check_format(!weight_map.empty(), index_path, "weight_map is empty");

  ShardedSafetensors s;
  s.source_ = index_path;
  if (index.contains("metadata")) {
    check_format(index["metadata"].is_object(), index_path, "\"metadata\" is not a JSON object");
    s.metadata_ = index["metadata"];
  }
  const fs::path dir = fs::path(index_path).parent_path();
  // Pass 1: check the shard names; each shard file once, opened in file-name order.
  std::map<std::string, size_t> shard_index;  // shard file name -> position in shards_
  for (const auto& [name, file_json] : weight_map.items()) {
    check_format(file_json.is_string(), index_path,
                 "weight_map entry of tensor '" + name + "' is not a file name");
    const std::string file = file_json.get<std::string>();
    const fs::path rel(file);
    bool safe = !file.empty() && rel.is_relative();
    for (const auto& part : rel) safe = safe && part != "..";
    check_format(safe, index_path,
                 "tensor '" + name + "': shard name '" + file + "' is not a file inside " +
                     "the index's directory");
    const std::string shard_path = (dir / rel).string();
    check_format(fs::is_regular_file(shard_path), index_path,
                 "tensor '" + name + "' is mapped to shard " + shard_path + ", which does not exist");
    shard_index.emplace(file, 0);
  }
  for (auto& [file, pos] : shard_index) {
    pos = s.shards_.size();
    s.shards_.push_back(SafetensorsFile::open((dir / file).string()));
  }
  // Pass 2: every listed tensor must be in the shard the index names.
  for (const auto& [name, file_json] : weight_map.items()) {
    const auto it = shard_index.find(file_json.get<std::string>());
    const SafetensorsFile& shard = s.shards_[it->second];
    check_format(shard.contains(name), index_path,
                 "tensor '" + name + "' is mapped to shard " + shard.path() +
                     ", but that file has no such tensor");
    s.shard_of_.emplace(name, it->second);
    s.names_.push_back(name);  // json objects iterate in sorted key order
  }
  return s;
}

ShardedSafetensors ShardedSafetensors::open_single(const std::string& path) {
  ShardedSafetensors s;
  s.source_ = path;
  s.shards_.push_back(SafetensorsFile::open(path));
  for (const std::string& name : s.shards_[0].names()) s.shard_of_.emplace(name, 0);
  for (const auto& kv : s.shard_of_) s.names_.push_back(kv.first);
  return s;
}

const SafetensorsFile& ShardedSafetensors::shard_of(const std::string& name) const {
  auto it = shard_of_.find(name);
  if (it == shard_of_.end()) throw FormatError(source_, "no tensor named '" + name + "'");
  return shards_[it->second];
}

const SafetensorsTensorInfo& ShardedSafetensors::info(const std::string& name) const {
  return shard_of(name).info(name);
}

torch::Tensor ShardedSafetensors::tensor(const std::string& name,
                                         std::optional<torch::ScalarType> as) const {
  return shard_of(name).tensor(name, as);
}

torch::Tensor ShardedSafetensors::view(const std::string& name) const {
  return shard_of(name).view(name);
}

ShardedSafetensors open_safetensors_checkpoint(const std::string& model_dir) {
  const std::string single = join_path(model_dir, kSingleName);
  const std::string index = join_path(model_dir, kIndexName);
  if (fs::is_regular_file(single)) return ShardedSafetensors::open_single(single);
  if (fs::is_regular_file(index)) return ShardedSafetensors::open(index);
  throw FormatError(model_dir, std::string("no ") + kSingleName + " or " + kIndexName +
                                   " in this directory (not a safetensors checkpoint)");
}

}  // namespace lethe
