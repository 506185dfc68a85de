// Reading safetensors files written by the Python `safetensors` package
// (tests/reference/safetensors, made by tools/make_safetensors_fixtures.py). All comparisons are
// exact: the reader copies bytes, so any difference is a bug.
#include <filesystem>

#include "lethe/io/safetensors.h"
#include "test_safetensors_util.h"

namespace fs = std::filesystem;
using namespace lethe;
using namespace lethe::testing;

namespace {

const std::string kBasic = fixture("safetensors/basic.safetensors");
const std::string kSharded = fixture("safetensors/sharded");

TEST(SafetensorsRead, EveryFixtureTensorMatchesBitForBit) {
  const SafetensorsFile f = SafetensorsFile::open(kBasic);
  int checked = 0;
  for (const auto& [name, e] : expected_fixture()["tensors"].items()) {
    if (e["group"] != "basic") continue;
    ASSERT_TRUE(f.contains(name)) << name;
    const torch::Tensor t = f.tensor(name);
    EXPECT_EQ(f.info(name).dtype_name, e["dtype"].get<std::string>());
    EXPECT_EQ(t.scalar_type(), *scalar_type_from_safetensors(e["dtype"].get<std::string>()));
    expect_matches_fixture(name, t, f.info(name).dtype_name);
    ++checked;
  }
  EXPECT_EQ(checked, 15);
  EXPECT_EQ(f.names().size(), 15u);
}

TEST(SafetensorsRead, HandCheckedValues) {
  const SafetensorsFile f = SafetensorsFile::open(kBasic);
  // ramp = arange(12).reshape(3,4) * 0.25 - 1.5, so ramp[1][2] = 6 * 0.25 - 1.5 = 0.
  const torch::Tensor ramp = f.tensor("f32.ramp");
  EXPECT_EQ(ramp.sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(ramp[0][0].item<float>(), -1.5f);
  EXPECT_EQ(ramp[1][2].item<float>(), 0.0f);
  EXPECT_EQ(ramp[2][3].item<float>(), 1.25f);
  // 0.1 rounds to bf16 0x3DCD (= 0.10009765625) and to f16 0x2E66 (IEEE round-to-nearest).
  EXPECT_EQ(f.tensor("bf16.rounded").view(torch::kShort)[0].item<int16_t>(), 0x3DCD);
  EXPECT_EQ(f.tensor("f16.rounded").view(torch::kShort)[0].item<int16_t>(), 0x2E66);
  EXPECT_EQ(f.tensor("bf16.rounded", torch::kFloat)[0].item<float>(), 0.10009765625f);
  EXPECT_EQ(f.tensor("i64.values")[3].item<int64_t>(), (int64_t{1} << 40) + 7);
  EXPECT_EQ(f.tensor("i64.values")[5].item<int64_t>(), INT64_MAX);
  EXPECT_EQ(f.tensor("u8.values")[1].item<uint8_t>(), 255);
  EXPECT_EQ(f.tensor("bool.values").scalar_type(), torch::kBool);
  EXPECT_FALSE(f.tensor("bool.values")[1].item<bool>());
  EXPECT_EQ(f.tensor("scalar.f32").dim(), 0);
  EXPECT_EQ(f.tensor("scalar.f32").item<float>(), 2.75f);
  EXPECT_EQ(f.tensor("empty.f32").sizes().vec(), (std::vector<int64_t>{2, 0, 3}));
}

TEST(SafetensorsRead, MetadataAndFileOrder) {
  const SafetensorsFile f = SafetensorsFile::open(kBasic);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.metadata().at("note"), "lethe fixture");
  uint64_t prev_end = 0, total = 0;
  for (const auto& name : f.names()) {  // names() is in data-offset order and tiles the data
    EXPECT_EQ(f.info(name).begin, prev_end) << name;
    prev_end = f.info(name).end;
    total += f.info(name).nbytes();
  }
  EXPECT_EQ(total, f.data_bytes());
  EXPECT_EQ(f.names().front(), "i64.values");  // the writer puts the widest dtype first
}

TEST(SafetensorsRead, ConversionOnRead) {
  const SafetensorsFile f = SafetensorsFile::open(kBasic);
  // The ramp is exact in every float type, so each conversion must give the same f32 values.
  const torch::Tensor ref = f.tensor("f32.ramp");
  for (const char* name : {"f16.ramp", "bf16.ramp"}) {
    const torch::Tensor t = f.tensor(name, torch::kFloat);
    EXPECT_EQ(t.scalar_type(), torch::kFloat);
    EXPECT_TRUE(torch::equal(t, ref)) << name;
  }
  EXPECT_TRUE(torch::equal(f.tensor("f32.ramp", torch::kBFloat16), f.tensor("bf16.ramp")));
  const torch::Tensor d = f.tensor("i32.values", torch::kDouble);
  EXPECT_EQ(d.scalar_type(), torch::kDouble);
  EXPECT_EQ(d[1][0].item<double>(), -2147483648.0);
}

TEST(SafetensorsRead, ViewIsZeroCopyAndOutlivesTheFile) {
  torch::Tensor v;
  {
    const SafetensorsFile f = SafetensorsFile::open(kBasic);
    v = f.view("f32.ramp");
    EXPECT_EQ(v.data_ptr(), f.view("f32.ramp").data_ptr());  // both point into the mapping
    EXPECT_NE(v.data_ptr(), f.tensor("f32.ramp").data_ptr());
    EXPECT_TRUE(torch::equal(f.view("bool.values"), f.tensor("bool.values")));
  }
  // The file object is gone; the view still holds the mapping.
  expect_matches_fixture("f32.ramp", v, "F32");
}

TEST(SafetensorsRead, MissingTensorNamesFileAndTensor) {
  const SafetensorsFile f = SafetensorsFile::open(kBasic);
  expect_format_error([&] { f.tensor("no.such"); }, kBasic, "no.such");
  expect_format_error([&] { SafetensorsFile::open(kBasic + ".absent"); }, kBasic + ".absent",
                      "cannot open");
}

TEST(SafetensorsRead, ShardedFixtureFromDirectoryAndIndex) {
  const std::string index = kSharded + "/model.safetensors.index.json";
  for (const std::string& where : {kSharded, index}) {
    const ShardedSafetensors s = ShardedSafetensors::open(where);
    EXPECT_EQ(s.source(), index);
    EXPECT_EQ(s.shards().size(), 3u);
    EXPECT_EQ(s.names().size(), 6u);
    EXPECT_EQ(s.metadata()["total_size"].get<uint64_t>(), 752u);  // 40+128+64+480+16+24
    for (const auto& name : expected_fixture()["sharded_order"]) {
      const std::string n = name.get<std::string>();
      expect_matches_fixture(n, s.tensor(n), s.info(n).dtype_name);
      EXPECT_TRUE(torch::equal(s.view(n), s.tensor(n)));
    }
    // The tensor bigger than the 200-byte threshold sits alone in shard 2.
    EXPECT_EQ(fs::path(s.shard_of("model.layers.1.mlp.down_proj.weight").path()).filename(),
              "model-00002-of-00003.safetensors");
    EXPECT_EQ(s.shards()[1].names().size(), 1u);  // shards() is in file-name order
    EXPECT_EQ(fs::path(s.shards()[0].path()).filename(), "model-00001-of-00003.safetensors");
  }
}

TEST(SafetensorsRead, CheckpointDirectoryPicksSingleFileOrIndex) {
  const ShardedSafetensors sharded = open_safetensors_checkpoint(kSharded);
  EXPECT_EQ(sharded.shards().size(), 3u);

  const std::string dir = scratch_dir();
  fs::copy_file(kBasic, dir + "/model.safetensors");
  const ShardedSafetensors single = open_safetensors_checkpoint(dir);
  EXPECT_EQ(single.source(), dir + "/model.safetensors");
  EXPECT_EQ(single.names().size(), 15u);
  EXPECT_TRUE(single.metadata().empty());
  expect_matches_fixture("i8.values", single.tensor("i8.values"), "I8");

  const std::string empty = dir + "/empty";
  fs::create_directories(empty);
  expect_format_error([&] { open_safetensors_checkpoint(empty); }, empty, "model.safetensors");
}

}  // namespace
