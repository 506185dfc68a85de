// collate, UnlearnDataset / FinetuneDataset batches, and DataConfig (keys, synonyms, errors,
// building datasets from the fixture corpora).
#include <gtest/gtest.h>

#include "lethe/core/error.h"
#include "lethe/core/files.h"
#include "lethe/data/data_config.h"
#include "lethe/data/dataset.h"
#include "lethe/data/random.h"
#include "test_errors.h"
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

std::string write(const std::string& dir, const std::string& name, const std::string& content) {
  const std::string p = dir + "/" + name;
  write_text_file_atomic(p, content);
  return p;
}

// A document of `words` distinct words (well over a few tokens each).
std::string words(int n, const std::string& stem) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + stem + std::to_string(i);
  return s;
}

std::string config_error(const json& j) {
  return lethe::testing::error_text<ConfigError>([&] { DataConfig::from_json(j); });
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

TEST(Collate, VariableLengthsPadLeft) {
  auto a = ex({1, 5}, {1, 5}, {1, 1});
  auto b = ex({1, 7, 8, 9}, {1, 7, 8, 9}, {1, 1, 1, 1});
  Batch batch = collate({&a, &b}, /*pad_id=*/3, PadSide::left);
  EXPECT_EQ(row(batch.input_ids, 0), (V{3, 3, 1, 5}));
  EXPECT_EQ(row(batch.labels, 0), (V{-100, -100, 1, 5}));
  EXPECT_EQ(row(batch.attention_mask, 0), (V{0, 0, 1, 1}));
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
  ASSERT_EQ(c.forget.size(), 1u);
  EXPECT_EQ(c.forget[0].path, "f.jsonl");
  EXPECT_FALSE(c.forget[0].has_overrides());
  ASSERT_EQ(c.retain.size(), 2u);
  EXPECT_EQ(c.retain[1].path, "r2.json");
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

TEST(UnlearnDataset, TopicsTagRowsAndRoundRobinPairsWithinTopics) {
  // Topic 0 = forget 0..3, topic 1 = forget 4..6; 3 retain examples.
  UnlearnDataset d(numbered(7, 2, 0), numbered(3, 2, 50), PairingMode::modulo, 0, 0, {0, 0, 0, 0, 1, 1, 1},
                   ForgetMix::round_robin);
  EXPECT_EQ(d.topic_sizes(), (V{4, 3}));
  EXPECT_EQ(d.pairing, (V{0, 1, 2, 0, 0, 1, 2}));  // j mod 3 within each topic (WMDP: batch b <-> retain b)
  auto [f, r] = d.get({5, 1});
  EXPECT_EQ(f.topics, (V{1, 0}));
  EXPECT_EQ(r.indices, (V{1, 1}));
  // concat pairs over the whole forget set, as before topics existed.
  UnlearnDataset c(numbered(7, 2, 0), numbered(3, 2, 50), PairingMode::modulo, 0, 0, {0, 0, 0, 0, 1, 1, 1});
  EXPECT_EQ(c.pairing, (V{0, 1, 2, 0, 1, 2, 0}));
  // random: per topic, seeded with derive_seed(seed, topic).
  UnlearnDataset rr(numbered(7, 2, 0), numbered(3, 2, 50), PairingMode::random, 9, 0, {0, 0, 0, 0, 1, 1, 1},
                    ForgetMix::round_robin);
  auto p0 = pair_indices(4, 3, PairingMode::random, derive_seed(9, 0));
  auto p1 = pair_indices(3, 3, PairingMode::random, derive_seed(9, 1));
  p0.insert(p0.end(), p1.begin(), p1.end());
  EXPECT_EQ(rr.pairing, p0);
  EXPECT_EQ(UnlearnDataset(numbered(2, 2, 0), {}, PairingMode::random, 1, 0).get({1}).first.topics, (V{0}));
  EXPECT_THROW(UnlearnDataset(numbered(3, 2, 0), {}, PairingMode::random, 1, 0, {1, 0, 0}), ConfigError);
  EXPECT_THROW(UnlearnDataset(numbered(3, 2, 0), {}, PairingMode::random, 1, 0, {0, 0}), ConfigError);
}

TEST(DataConfig, CorpusEntriesOverrideTheSection) {
  auto c = DataConfig::from_json({{"forget", json::array({json{{"path", "bio.jsonl"}, {"max_length", 512}},
                                                          json{{"path", "cyber.jsonl"}, {"format", "lines"},
                                                               {"max_length", "768"}, {"min_chars", "1"}}})},
                                  {"retain", json::array({"wiki.jsonl"})},
                                  {"max_length", 256},
                                  {"text_field", "body"},
                                  {"forget_mix", "round_robin"},
                                  {"pad_side", "left"},
                                  {"pad", 0}});
  ASSERT_EQ(c.forget.size(), 2u);
  EXPECT_EQ(c.forget[0].path, "bio.jsonl");
  EXPECT_EQ(*c.forget[0].max_length, 512);
  EXPECT_FALSE(c.forget[0].format);
  EXPECT_EQ(*c.forget[1].max_length, 768);  // "768": a YAML scalar as the recipe delivers it
  EXPECT_EQ(*c.forget[1].format, CorpusFormat::lines);
  EXPECT_EQ(c.forget_mix, ForgetMix::round_robin);
  EXPECT_EQ(c.pad_side, PadSide::left);
  // What each entry resolves to: its overrides, else the section's values.
  EXPECT_EQ(c.corpus_options(c.forget[1]).format, CorpusFormat::lines);
  EXPECT_EQ(c.corpus_options(c.forget[1]).min_chars, 1);
  EXPECT_EQ(c.corpus_options(c.forget[1]).field, "body");
  EXPECT_EQ(c.corpus_options(c.retain[0]).format, CorpusFormat::auto_detect);
  EXPECT_EQ(c.cut_options(bytelevel(), c.forget[0]).max_length, 512);
  EXPECT_EQ(c.cut_options(bytelevel(), c.retain[0]).max_length, 256);
  EXPECT_EQ(c.cut_options(bytelevel(), c.retain[0]).pad_side, PadSide::left);
  EXPECT_EQ(DataConfig::from_json(c.to_json()).to_json(), c.to_json());
  EXPECT_EQ(c.to_json()["forget"][1], (json{{"path", "cyber.jsonl"}, {"format", "lines"}, {"max_length", 768}, {"min_chars", 1}}));
  EXPECT_EQ(c.to_json()["retain"], "wiki.jsonl");
}

TEST(DataConfig, MalformedCorpusEntriesNameTheKey) {
  auto forget = [](json entry) { return config_error({{"forget", json::array({"ok.jsonl", entry})}}); };
  const auto unknown = forget({{"path", "b.jsonl"}, {"max_lenght", 5}});
  EXPECT_NE(unknown.find("data.forget[1].max_lenght: unknown per-corpus key"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("path, format, text_field, max_length, min_chars"), std::string::npos) << unknown;
  const auto missing = forget({{"max_length", 5}});
  EXPECT_NE(missing.find("data.forget[1].path: missing"), std::string::npos) << missing;
  EXPECT_NE(forget({{"path", "b"}, {"max_length", "long"}}).find("data.forget[1].max_length: expected an integer"),
            std::string::npos);
  EXPECT_NE(forget({{"path", "b"}, {"max_length", 0}}).find("data.forget[1].max_length: expected an integer >= 1"),
            std::string::npos);
  EXPECT_NE(forget({{"path", "b"}, {"format", "csv"}}).find("data.forget[1].format"), std::string::npos);
  EXPECT_NE(forget({{"path", ""}}).find("data.forget[1].path"), std::string::npos);
  EXPECT_NE(forget(json::array({"x"})).find("data.forget[1]: expected a file path or a mapping"), std::string::npos);
  EXPECT_NE(config_error({{"retain_paths", json::array({json{{"paht", "r"}}})}}).find("data.retain_paths[0].paht"),
            std::string::npos);
  EXPECT_NE(config_error({{"cut", "token_stream"}, {"train", json::array({json{{"path", "t"}, {"max_length", 1}}})}})
                .find("data.train[0].max_length: token_stream"),
            std::string::npos);
  EXPECT_NE(config_error({{"forget_mix", "zip"}}).find("data.forget_mix"), std::string::npos);
  EXPECT_NE(config_error({{"pad_side", "up"}}).find("data.pad_side"), std::string::npos);
}

TEST(DataConfig, PerCorpusTruncationLengths) {
  // WMDP's RMU: bio truncated at 512 tokens, cyber (raw lines) at 768, retain at 512; here 8 / 12
  // / 10 on the byte-level fixture tokenizer (no special tokens), padded to the longest row.
  const auto dir = lethe::testing::scratch_dir();
  const std::vector<std::string> bio = {words(20, "bio"), "short"};
  const std::vector<std::string> cyber = {json(words(30, "cy")).dump(), words(25, "net")};
  const auto bio_path = write(dir, "bio.jsonl", json{{"text", bio[0]}}.dump() + "\n" + json{{"text", bio[1]}}.dump() + "\n");
  const auto cyber_path = write(dir, "cyber.jsonl", cyber[0] + "\n" + cyber[1] + "\n");
  const auto wiki_path = write(dir, "wiki.jsonl", json{{"text", words(20, "wiki")}}.dump() + "\n");
  auto c = DataConfig::from_json({{"forget", json::array({json{{"path", bio_path}, {"max_length", 8}},
                                                          json{{"path", cyber_path}, {"max_length", 12}, {"format", "lines"}}})},
                                  {"retain", wiki_path},
                                  {"format", "jsonl"},
                                  {"max_length", 10},
                                  {"pad_to_max_length", false},
                                  {"pad", 0},
                                  {"forget_mix", "round_robin"},
                                  {"pairing", "cyclic"}});
  auto d = build_unlearn_dataset(c, bytelevel());
  ASSERT_EQ(d.forget.size(), 4u);
  EXPECT_EQ(d.topics, (V{0, 0, 1, 1}));
  auto first = [](const std::string& text, size_t n) {
    auto ids = bytelevel().encode(text, false);
    EXPECT_GT(ids.size(), n) << "the fixture document must be longer than the cut";
    return V(ids.begin(), ids.begin() + std::min(n, ids.size()));
  };
  EXPECT_EQ(d.forget[0].input_ids, first(bio[0], 8));                // topic 0 at its 8
  const auto short_ids = bytelevel().encode("short", false);
  EXPECT_EQ(d.forget[1].input_ids, V(short_ids.begin(), short_ids.end()));  // shorter: own length
  EXPECT_EQ(d.forget[2].input_ids, first(cyber[0] + "\n", 12));     // topic 1 at its 12, raw line
  EXPECT_EQ(d.forget[3].input_ids, first(cyber[1] + "\n", 12));
  ASSERT_EQ(d.retain.size(), 1u);
  EXPECT_EQ(d.retain[0].input_ids, first(words(20, "wiki"), 10));     // the section's 10
  auto [f, r] = d.get({0, 1});
  EXPECT_EQ(f.input_ids.sizes(), (std::vector<int64_t>{2, 8}));  // padded to the longest of the batch
  EXPECT_EQ(r.input_ids.sizes(), (std::vector<int64_t>{2, 10}));

  // An empty forget corpus is an error in round_robin (every corpus has its turn).
  const auto empty = write(dir, "empty.jsonl", "");
  auto e = DataConfig::from_json({{"forget", json::array({bio_path, empty})}, {"forget_mix", "round_robin"}, {"pad", 0}});
  try {
    build_unlearn_dataset(e, bytelevel());
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("data.forget[1]"), std::string::npos) << err.what();
  }
}
