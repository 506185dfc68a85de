// Writing safetensors: byte-identical to the Python package for the same tensors, round trips,
// transformers' shard layout, removal of stale files and atomicity.
#include <filesystem>

#include "lethe/io/safetensors.h"
#include "test_safetensors_util.h"

namespace fs = std::filesystem;
using namespace lethe;
using namespace lethe::testing;

namespace {

using Named = std::vector<std::pair<std::string, torch::Tensor>>;

const std::string kBasic = fixture("safetensors/basic.safetensors");
const std::string kSharded = fixture("safetensors/sharded");

// The sharded fixture's tensors in the order the Python state dict had them.
Named sharded_fixture_tensors() {
  const ShardedSafetensors s = ShardedSafetensors::open(kSharded);
  Named out;
  for (const auto& n : expected_fixture()["sharded_order"]) out.emplace_back(n, s.tensor(n));
  return out;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

uint64_t header_length(const std::string& bytes) {
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  return n;
}

TEST(SafetensorsWrite, SameBytesAsPythonForTheBasicFixture) {
  const SafetensorsFile ref = SafetensorsFile::open(kBasic);
  Named tensors;  // given in reverse name order: the writer must sort like the Python package
  for (auto it = ref.names().rbegin(); it != ref.names().rend(); ++it)
    tensors.emplace_back(*it, ref.tensor(*it));
  const std::string out = scratch_dir() + "/basic.safetensors";
  save_safetensors(out, tensors, {{"note", "lethe fixture"}});

  const std::string a = read_bytes(kBasic), b = read_bytes(out);
  ASSERT_EQ(a.size(), b.size());
  const uint64_t n = header_length(a);
  ASSERT_EQ(header_length(b), n);
  EXPECT_EQ(a.substr(8 + n), b.substr(8 + n));  // data section, byte for byte
  // Header: Python writes __metadata__ keys in hash order, so compare it as ordered JSON with
  // the metadata compared as a set; tensor entries must be identical and in the same order.
  auto ha = nlohmann::ordered_json::parse(a.substr(8, n));
  auto hb = nlohmann::ordered_json::parse(b.substr(8, n));
  EXPECT_EQ(json::parse(ha["__metadata__"].dump()), json::parse(hb["__metadata__"].dump()));
  ha.erase("__metadata__");
  hb.erase("__metadata__");
  EXPECT_EQ(ha.dump(), hb.dump());
  // Padding: the JSON is followed by fewer than 8 spaces, up to a multiple of 8 bytes.
  const std::string header = b.substr(8, n);
  const size_t json_end = header.find_last_not_of(' ') + 1;
  EXPECT_EQ(header[json_end - 1], '}');
  EXPECT_LT(n - json_end, 8u);
  EXPECT_EQ(n % 8, 0u);
}

TEST(SafetensorsWrite, ShardedCheckpointIsByteIdenticalToTransformers) {
  const std::string dir = scratch_dir();
  const uint64_t threshold = expected_fixture()["shard_bytes"].get<uint64_t>();
  const ShardedSaveResult r = save_sharded_safetensors(dir, sharded_fixture_tensors(), threshold);
  EXPECT_TRUE(r.sharded);
  EXPECT_EQ(r.total_size, 752u);
  const std::vector<std::string> want = {
      "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
      "model-00003-of-00003.safetensors", "model.safetensors.index.json"};
  EXPECT_EQ(r.files, want);
  EXPECT_EQ(list_dir(dir), want);
  for (const auto& f : want)
    EXPECT_EQ(read_bytes(dir + "/" + f), read_bytes(kSharded + "/" + f)) << f;
}

TEST(SafetensorsWrite, RoundTripEveryDtypeAndLayout) {
  torch::manual_seed(1);
  const torch::Tensor base = torch::randn({6, 5});
  Named tensors = {
      {"f32", base},
      {"f32.transposed", base.t()},                    // not contiguous: written contiguous
      {"f32.slice", base.index({torch::indexing::Slice(1, 5, 2)})},
      {"f16", base.to(torch::kHalf)},
      {"bf16", base.to(torch::kBFloat16)},
      {"f64", base.to(torch::kDouble) / 3},
      {"i64", torch::randint(-1000000, 1000000, {7}, torch::kLong)},
      {"i32", torch::randint(-1000, 1000, {2, 2}, torch::kInt)},
      {"i16", torch::randint(-1000, 1000, {3}, torch::kShort)},
      {"i8", torch::randint(-128, 127, {9}, torch::kChar)},
      {"u8", torch::randint(0, 255, {9}, torch::kByte)},
      {"bool", torch::rand({11}) > 0.5},
      {"empty", torch::zeros({0, 4})},
      {"scalar", torch::tensor(3.5)},
  };
  const std::string path = scratch_dir() + "/rt.safetensors";
  save_safetensors(path, tensors, {{"step", "12"}});
  const SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.metadata().at("step"), "12");
  EXPECT_EQ(f.names().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    const torch::Tensor back = f.tensor(name);
    EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(back.sizes(), t.sizes()) << name;
    EXPECT_EQ(bit_patterns(back), bit_patterns(t)) << name;
    EXPECT_EQ(bit_patterns(f.view(name)), bit_patterns(t)) << name;
  }
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(SafetensorsWrite, OneFileWhenEverythingFits) {
  const std::string dir = scratch_dir();
  const ShardedSaveResult r = save_sharded_safetensors(dir, sharded_fixture_tensors());
  EXPECT_FALSE(r.sharded);
  EXPECT_EQ(list_dir(dir), std::vector<std::string>{"model.safetensors"});
  const ShardedSafetensors s = open_safetensors_checkpoint(dir);
  for (const auto& [name, t] : sharded_fixture_tensors())
    EXPECT_EQ(bit_patterns(s.tensor(name)), bit_patterns(t)) << name;
}

TEST(SafetensorsWrite, GreedySplitAndOversizedTensorAlone) {
  // Sizes 16, 16, 40, 16, 8 bytes (f32) with a 32-byte limit. As in huggingface_hub, the
  // oversized c becomes a shard the moment it is seen, while [a b] is still open: [c] [a b] [d e].
  const std::string dir = scratch_dir();
  Named t = {{"a", torch::ones({4})}, {"b", torch::ones({4})}, {"c", torch::ones({10})},
             {"d", torch::ones({4})}, {"e", torch::ones({2})}};
  const ShardedSaveResult r = save_sharded_safetensors(dir, t, 32);
  ASSERT_EQ(r.files.size(), 4u);
  const ShardedSafetensors s = ShardedSafetensors::open(dir);
  auto shard_name = [&](const std::string& n) {
    return fs::path(s.shard_of(n).path()).filename().string();
  };
  EXPECT_EQ(shard_name("c"), "model-00001-of-00003.safetensors");
  EXPECT_EQ(shard_name("a"), "model-00002-of-00003.safetensors");
  EXPECT_EQ(shard_name("b"), "model-00002-of-00003.safetensors");
  EXPECT_EQ(shard_name("d"), "model-00003-of-00003.safetensors");
  EXPECT_EQ(shard_name("e"), "model-00003-of-00003.safetensors");
  EXPECT_EQ(s.metadata()["total_size"].get<uint64_t>(), 96u);
}

TEST(SafetensorsWrite, StaleFilesOfAnOlderCheckpointAreRemoved) {
  const std::string dir = scratch_dir();
  write_bytes(dir + "/config.json", "{}");
  Named t = {{"a", torch::ones({4})}, {"b", torch::ones({4})}, {"c", torch::ones({4})}};
  save_sharded_safetensors(dir, t, 16);  // 3 shards + index
  EXPECT_EQ(list_dir(dir).size(), 5u);
  save_sharded_safetensors(dir, t);  // now one file: shards and index must go
  EXPECT_EQ(list_dir(dir), (std::vector<std::string>{"config.json", "model.safetensors"}));
  save_sharded_safetensors(dir, t, 32);  // 2 shards: model.safetensors must go
  EXPECT_EQ(list_dir(dir), (std::vector<std::string>{
                               "config.json", "model-00001-of-00002.safetensors",
                               "model-00002-of-00002.safetensors", "model.safetensors.index.json"}));
  EXPECT_EQ(open_safetensors_checkpoint(dir).names(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SafetensorsWrite, FailedSaveLeavesTheOldFileIntact) {
  const std::string dir = scratch_dir();
  const std::string path = dir + "/model.safetensors";
  save_safetensors(path, {{"w", torch::arange(4, torch::kFloat)}});
  const std::string good = read_bytes(path);
  // An unsupported dtype is refused before anything is written.
  EXPECT_THROW(save_safetensors(path, {{"w", torch::ones({2}, torch::kComplexFloat)}}), ShapeError);
  // The temporary file cannot be created (a directory is in the way): the old file survives.
  fs::create_directories(path + ".tmp");
  EXPECT_THROW(save_safetensors(path, {{"w", torch::ones({3})}}), FormatError);
  fs::remove(path + ".tmp");
  EXPECT_EQ(read_bytes(path), good);
  // A sharded save that fails while writing its shards leaves the old checkpoint as it was.
  fs::create_directories(dir + "/model-00002-of-00002.safetensors.tmp");
  EXPECT_THROW(save_sharded_safetensors(dir, {{"a", torch::ones({4})}, {"b", torch::ones({4})}}, 16),
               FormatError);
  fs::remove(dir + "/model-00002-of-00002.safetensors.tmp");
  EXPECT_EQ(list_dir(dir), std::vector<std::string>{"model.safetensors"});
  EXPECT_EQ(read_bytes(path), good);
}

TEST(SafetensorsWrite, BadNamesAreRefused) {
  const std::string path = scratch_dir() + "/x.safetensors";
  EXPECT_THROW(save_safetensors(path, {{"a", torch::ones(1)}, {"a", torch::ones(1)}}), ConfigError);
  EXPECT_THROW(save_safetensors(path, {{"__metadata__", torch::ones(1)}}), ConfigError);
  EXPECT_FALSE(fs::exists(path));
}

// Leaves a single file and a sharded checkpoint under $TMPDIR/lethe_tests/SafetensorsWrite.
// ForPythonCheck for `tools/make_safetensors_fixtures.py --check DIR` (fixture tensors, so the
// script compares them bit for bit).
TEST(SafetensorsWrite, ForPythonCheck) {
  const std::string dir = scratch_dir();
  const SafetensorsFile ref = SafetensorsFile::open(kBasic);
  Named basic;
  for (const auto& n : ref.names()) basic.emplace_back(n, ref.tensor(n));
  save_safetensors(dir + "/basic.safetensors", basic, {{"written_by", "lethe"}});
  const ShardedSaveResult r = save_sharded_safetensors(dir + "/sharded", sharded_fixture_tensors(),
                                                        expected_fixture()["shard_bytes"]);
  EXPECT_EQ(r.files.size(), 4u);
  EXPECT_TRUE(fs::exists(dir + "/sharded/model.safetensors.index.json"));
}

}  // namespace
