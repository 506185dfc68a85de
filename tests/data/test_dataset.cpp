// collate, UnlearnDataset / FinetuneDataset batches, and DataConfig (keys, synonyms, errors,
// building datasets from the fixture corpora).
#include <gtest/gtest.h>

#include "lethe/core/error.h"
#include "lethe/data/data_config.h"
#include "lethe/data/dataset.h"
#include "test_paths.h"

using namespace lethe;
using namespace lethe::data;
using lethe::testing::fixture;
using V = std::vector<int64_t>;

namespace {

Example ex(V ids, V labels, V mask) { return Example{std::move(ids), std::move(labels), std::move(mask)}; }

V row(const torch::Tensor& t, int64_t b) {
  auto r = t[b].contiguous();
  return V(r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel());
}

// Examples whose first id is their index, so batches show which rows they hold.
std::vector<Example> numbered(int64_t n, int64_t T, int64_t base) {
  std::vector<Example> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(ex(V(T, base + i), V(T, base + i), V(T, 1)));
  return out;
}

const Tokenizer& bytelevel() {
  static const Tokenizer t = Tokenizer::from_file(fixture("tokenizer/bytelevel/tokenizer.json"));
  return t;
}

std::string config_error(const json& j) {
  try {
    DataConfig::from_json(j);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Collate, SameLengthStacks) {
  auto a = ex({1, 5, 6}, {1, 5, 6}, {1, 1, 1});
  auto b = ex({1, 7, 2}, {1, 7, -100}, {1, 1, 0});
  Batch batch = collate({&a, &b});
  EXPECT_EQ(batch.input_ids.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(batch.input_ids.scalar_type(), torch::kInt64);
  EXPECT_EQ(batch.attention_mask.scalar_type(), torch::kInt64);
  EXPECT_EQ(row(batch.input_ids, 1), (V{1, 7, 2}));
  EXPECT_EQ(row(batch.labels, 1), (V{1, 7, -100}));
  EXPECT_EQ(row(batch.attention_mask, 1), (V{1, 1, 0}));
}

TEST(Collate, VariableLengthsPadRight) {
  auto a = ex({1, 5}, {1, 5}, {1, 1});
  auto b = ex({1, 7, 8, 9}, {1, 7, 8, 9}, {1, 1, 1, 1});
  Batch batch = collate({&a, &b}, /*pad_id=*/3);
  EXPECT_EQ(batch.input_ids.sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(row(batch.input_ids, 0), (V{1, 5, 3, 3}));
  EXPECT_EQ(row(batch.labels, 0), (V{1, 5, -100, -100}));
  EXPECT_EQ(row(batch.attention_mask, 0), (V{1, 1, 0, 0}));
  EXPECT_EQ(row(batch.input_ids, 1), (V{1, 7, 8, 9}));
}

TEST(Collate, RejectsBadInput) {
  EXPECT_THROW(collate({}), ShapeError);
  auto bad = ex({1, 2}, {1}, {1, 1});
  EXPECT_THROW(collate({&bad}), ShapeError);
}

TEST(UnlearnDataset, PairsForgetWithRetainRows) {
  UnlearnDataset d(numbered(6, 3, 100), numbered(4, 3, 200), PairingMode::modulo, 0, 0);
  EXPECT_EQ(d.num_steps_per_epoch(4), 2);
  EXPECT_EQ(d.num_steps_per_epoch(4, true), 1);
  auto [f, r] = d.get({5, 0, 4});
  EXPECT_EQ(f.indices, (V{5, 0, 4}));
  EXPECT_EQ(r.indices, (V{1, 0, 0}));  // i mod 4
  EXPECT_EQ(row(f.input_ids, 0), (V{105, 105, 105}));
  EXPECT_EQ(row(r.input_ids, 0), (V{201, 201, 201}));
  EXPECT_EQ(f.input_ids.sizes(), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(r.labels.sizes(), (std::vector<int64_t>{3, 3}));
  EXPECT_THROW(d.get({6}), ConfigError);
  EXPECT_THROW(d.get({}), ConfigError);
}

TEST(UnlearnDataset, RandomPairingAndOrder) {
  UnlearnDataset d(numbered(9, 2, 0), numbered(5, 2, 50), PairingMode::random, 1001, 0);
  EXPECT_EQ(d.pairing, pair_indices(9, 5, PairingMode::random, 1001));
  DataOrder order(d.size(), true, 7);
  // Micro-batches: a step's indices sliced in two give the same rows as the whole batch.
  auto [f, r] = d.batch(order, 1, 0, 4);
  const auto idx = order.batch_indices(1, 0, 4);
  auto [f1, r1] = d.get({idx[0], idx[1]});
  auto [f2, r2] = d.get({idx[2], idx[3]});
  EXPECT_TRUE(torch::equal(torch::cat({f1.input_ids, f2.input_ids}), f.input_ids));
  EXPECT_TRUE(torch::equal(torch::cat({r1.input_ids, r2.input_ids}), r.input_ids));
  for (int64_t b = 0; b < 4; ++b) EXPECT_EQ(r.indices[b], d.pairing[idx[b]]);
  EXPECT_THROW(d.batch(DataOrder(8, true, 7), 0, 0, 4), ConfigError);
}

TEST(UnlearnDataset, WithoutRetainGivesUndefinedRetainBatch) {
  UnlearnDataset d(numbered(3, 2, 0), {}, PairingMode::random, 1, 0);
  auto [f, r] = d.get({0, 2});
  EXPECT_TRUE(f.defined());
  EXPECT_FALSE(r.defined());
}

TEST(FinetuneDataset, Batches) {
  FinetuneDataset d;
  d.examples = numbered(5, 3, 10);
  DataOrder order(5, false, 0);
  EXPECT_EQ(d.num_steps_per_epoch(2), 3);
  Batch last = d.batch(order, 0, 2, 2);
  EXPECT_EQ(last.input_ids.size(0), 1);
  EXPECT_EQ(last.indices, (V{4}));
  EXPECT_EQ(row(last.input_ids, 0), (V{14, 14, 14}));
}

TEST(DataConfig, RecipeKeysAndSynonyms) {
  auto c = DataConfig::from_json({{"forget", "f.jsonl"},
                                  {"retain", json::array({"r1.jsonl", "r2.json"})},
                                  {"text_field", "body"},
                                  {"cut", "token_stream"},
                                  {"max_length", 2048},
                                  {"mask_padding", false},
                                  {"pairing", "cyclic"},
                                  {"pad", "eos"},
                                  {"seed", 1001},
                                  {"max_examples", 10}});
  EXPECT_EQ(c.forget_paths, std::vector<std::string>{"f.jsonl"});
  EXPECT_EQ(c.retain_paths, (std::vector<std::string>{"r1.jsonl", "r2.json"}));
  EXPECT_EQ(c.corpus.field, "body");
  EXPECT_EQ(c.mode, CutMode::token_stream);
  EXPECT_EQ(c.max_length, 2048);
  EXPECT_FALSE(c.mask_padding_in_labels);
  EXPECT_EQ(c.pairing, PairingMode::modulo);
  EXPECT_EQ(c.pad_policy, PadPolicy::eos);
  EXPECT_EQ(c.seed, 1001u);
  EXPECT_EQ(c.max_forget_examples, 10);
  auto d = DataConfig::from_json({{"forget_paths", "f"}, {"field", "body"}, {"mode", "per_document"},
                                  {"mask_padding_in_labels", true}, {"add_special_tokens", false},
                                  {"pad", 5}, {"pairing", "modulo"}});
  EXPECT_EQ(d.corpus.field, "body");
  EXPECT_FALSE(d.add_special_tokens);
  EXPECT_EQ(d.pad_policy, PadPolicy::id);
  EXPECT_EQ(d.pad_id, 5);
  // to_json round-trips.
  EXPECT_EQ(DataConfig::from_json(c.to_json()).to_json(), c.to_json());
  EXPECT_EQ(DataConfig::from_json(d.to_json()).to_json(), d.to_json());
}

TEST(DataConfig, ErrorsNameTheKey) {
  EXPECT_NE(config_error({{"max_lenght", 5}}).find("data.max_lenght: unknown key"), std::string::npos);
  EXPECT_NE(config_error({{"max_length", "long"}}).find("data.max_length: expected an integer"), std::string::npos);
  EXPECT_NE(config_error({{"max_length", 0}}).find("data.max_length"), std::string::npos);
  EXPECT_NE(config_error({{"cut", "chunks"}}).find("data.cut"), std::string::npos);
  EXPECT_NE(config_error({{"mode", "chunks"}}).find("data.mode"), std::string::npos);
  EXPECT_NE(config_error({{"pairing", "zip"}}).find("data.pairing"), std::string::npos);
  EXPECT_NE(config_error({{"pad", "left"}}).find("data.pad"), std::string::npos);
  EXPECT_NE(config_error({{"shuffle", 1}}).find("data.shuffle: expected true or false"), std::string::npos);
  EXPECT_NE(config_error({{"forget", json::array({1})}}).find("data.forget"), std::string::npos);
  EXPECT_NE(config_error({{"field", "a"}, {"text_field", "b"}}).find("disagrees"), std::string::npos);
  EXPECT_NE(config_error({{"cut", "token_stream"}, {"max_length", 1}}).find("data.max_length"), std::string::npos);
  EXPECT_NE(config_error(json::array()).find("data:"), std::string::npos);
  EXPECT_THROW(DataConfig{}.validate(false), ConfigError);  // no forget corpus
  EXPECT_THROW(DataConfig{}.validate(true), ConfigError);   // no train corpus
}

TEST(DataConfig, BuildsUnlearnDatasetFromFixtures) {
  auto c = DataConfig::from_json({{"forget", fixture("data/mixed.jsonl")},
                                  {"retain", fixture("data/list_objects.json")},
                                  {"max_length", 24},
                                  {"pad", 2},
                                  {"pairing", "modulo"}});
  auto d = build_unlearn_dataset(c, bytelevel());
  ASSERT_EQ(d.forget.size(), 5u);
  ASSERT_EQ(d.retain.size(), 2u);
  EXPECT_EQ(d.pairing, (V{0, 1, 0, 1, 0}));
  EXPECT_EQ(d.pad_id, 2);
  for (const auto& e : d.forget) EXPECT_EQ(e.size(), 24u);
  auto [f, r] = d.get({0, 1, 2, 3});
  EXPECT_EQ(f.input_ids.sizes(), (std::vector<int64_t>{4, 24}));
  // "Object one." is short: padded with 2, labels -100, mask 0 past its tokens.
  const auto n = static_cast<int64_t>(bytelevel().encode("Object one.", false).size());
  EXPECT_EQ(r.attention_mask[0].sum().item<int64_t>(), n);
  EXPECT_EQ(r.labels[0][n].item<int64_t>(), -100);
  EXPECT_EQ(r.input_ids[0][n].item<int64_t>(), 2);

  // max_examples limits the forget set; token_stream over the same files.
  auto c2 = DataConfig::from_json({{"forget", fixture("data/book.txt")},
                                   {"retain", fixture("data/mixed.jsonl")},
                                   {"cut", "token_stream"},
                                   {"max_length", 32},
                                   {"bos_id", 1},
                                   {"pairing", "cyclic"},
                                   {"max_examples", 5}});
  auto d2 = build_unlearn_dataset(c2, bytelevel());
  EXPECT_EQ(d2.forget.size(), 5u);
  EXPECT_EQ(d2.retain.size(), 4u);  // ceil(120 / 31) chunks of the joined JSONL corpus
  EXPECT_EQ(d2.forget[0].input_ids.front(), 1);
}

TEST(DataConfig, BuildsFinetuneDataset) {
  auto c = DataConfig::from_json({{"train", json::array({fixture("data/list_strings.json"), fixture("data/list_objects.json")})},
                                  {"max_length", 16},
                                  {"pad", 0},
                                  {"pad_to_max_length", false}});
  auto d = build_finetune_dataset(c, bytelevel());
  ASSERT_EQ(d.examples.size(), 5u);  // 3 + 2 documents, in file order
  EXPECT_TRUE(d.examples[2].input_ids.empty());  // the empty string of list_strings.json
  auto b = d.get({0, 1});
  EXPECT_EQ(b.input_ids.size(1), static_cast<int64_t>(std::max(d.examples[0].size(), d.examples[1].size())));
  EXPECT_THROW(build_finetune_dataset(DataConfig::from_json({{"train", fixture("data/missing_field.jsonl")}}), bytelevel()),
               FormatError);
}
