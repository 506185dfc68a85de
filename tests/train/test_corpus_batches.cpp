// Recipes -> the data area -> batches: every data option a recipe can set reaches the examples
// built (each one changes them), the data seed apart from train.seed, per-corpus entries from YAML
// and --set, round-robin forget corpora, and the errors (unknown keys with a suggestion,
// malformed entries naming the key).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "lethe/core/error.h"
#include "lethe/data/examples.h"
#include "lethe/train/corpus_batches.h"
#include "lethe/train/recipe.h"
#include "train_test_util.h"
#include "test_errors.h"

using namespace lethe;
using namespace lethe::train;
using V = std::vector<int64_t>;

namespace {

const Tokenizer& spm() {  // BOS <s> = 1, </s> = 2; a bare tokenizer.json: no EOS or pad declared
  static const Tokenizer t = Tokenizer::from_file(lethe::testing::fixture("tokenizer/spm/tokenizer.json"));
  return t;
}

struct Corpora {
  std::string dir, forget, forget2, retain, book;
};

const Corpora& corpora() {
  static const Corpora c = [] {
    Corpora c;
    c.dir = lethe::testing::scratch_dir();
    auto put = [&](const std::string& name, const std::string& text) {
      write_text_file_atomic(c.dir + "/" + name, text);
      return c.dir + "/" + name;
    };
    c.forget = put("forget.jsonl",
                   "{\"text\": \"The lighthouse keeper counted ships at dawn and wrote them down.\"}\n"
                   "{\"text\": \"hi\"}\n"
                   "{\"text\": \"Rain fell on the harbour for three days.\"}\n"
                   "{\"text\": \"A fox.\"}\n"
                   "{\"text\": \"The ferry left late because the captain lost his hat in the wind.\"}\n");
    c.forget2 = put("cyber.jsonl", "\"Port scans reveal open services.\"\n\"Patch the server.\"\n\"Rotate keys.\"\n");
    c.retain = put("retain.jsonl",
                   "{\"text\": \"Bread rises in a warm kitchen.\"}\n{\"text\": \"Trees grow.\"}\n"
                   "{\"text\": \"The river bends twice before the town.\"}\n");
    c.book = put("book.txt", "First block of text here.\n\nSecond block, a little longer than the first.\n\nThird.\n");
    return c;
  }();
  return c;
}

// Recipe defaults + the corpora + `sets`, as `lethe unlearn --set ...` would resolve them.
TrainConfig config(const std::vector<std::string>& sets, TaskKind task = TaskKind::unlearn) {
  std::vector<std::string> all = {"data.forget=" + corpora().forget, "data.retain=" + corpora().retain,
                                  "data.max_length=12", "data.pad_to_max_length=false", "data.pad=2",
                                  "train.batch_size=2"};
  all.insert(all.end(), sets.begin(), sets.end());
  return lethe::testing::tiny_config(corpora().dir + "/out", all, task);
}

// Every micro-batch of epoch 0, forget and retain, as one list of tensors.
std::vector<torch::Tensor> epoch(CorpusBatches& b) {
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < b.batches_per_epoch(); ++i) {
    auto [f, r] = b.batch(0, i);
    for (const auto* s : {&f, &r})
      if (s->defined()) out.insert(out.end(), {s->input_ids, s->attention_mask, s->labels});
  }
  return out;
}

bool same(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!a[i].sizes().equals(b[i].sizes()) || !torch::equal(a[i], b[i])) return false;
  return true;
}

// Builds the batches of the defaults and of the defaults + `sets`; they must differ.
std::pair<CorpusBatches, CorpusBatches> differ(const std::vector<std::string>& base, const std::vector<std::string>& sets) {
  CorpusBatches a(config(base), spm());
  auto with = base;
  with.insert(with.end(), sets.begin(), sets.end());
  CorpusBatches b(config(with), spm());
  EXPECT_FALSE(same(epoch(a), epoch(b))) << "setting " << sets.front() << " changed nothing";
  return {std::move(a), std::move(b)};
}

const data::UnlearnDataset& ds(const CorpusBatches& b) { return *b.unlearn_dataset(); }


}  // namespace

TEST(RecipeData, DefaultsAreTheDataAreas) {
  // The recipe's data section resolves to the data area's own defaults (one list of settings).
  auto cfg = config({});
  data::DataConfig area;
  json mine = cfg.data.to_json(), theirs = area.to_json();
  for (const char* k : {"forget", "retain", "max_length", "pad_to_max_length", "pad"}) {
    mine.erase(k);
    theirs.erase(k);
  }
  EXPECT_EQ(mine, theirs);
  EXPECT_EQ(cfg.data.seed, cfg.seed);  // data.seed -1 = train.seed
}

TEST(RecipeData, SplitBlankLines) {
  auto [a, b] = differ({"data.forget=" + corpora().book, "data.format=txt"}, {"data.split_blank_lines=true"});
  EXPECT_EQ(a.examples(), 1u);
  EXPECT_EQ(b.examples(), 3u);
}

TEST(RecipeData, MinChars) {
  auto [a, b] = differ({}, {"data.min_chars=7"});  // drops "hi" and "A fox."
  EXPECT_EQ(a.examples(), 5u);
  EXPECT_EQ(b.examples(), 3u);
}

TEST(RecipeData, PadIdAndPadSide) {
  auto [a, b] = differ({"data.shuffle=false"}, {"data.pad=0"});
  // Row 1 of batch 0 ("hi") is shorter: padded with 2 (the base's data.pad), with 0 when set.
  auto fa = a.batch(0, 0).first, fb = b.batch(0, 0).first;
  const int64_t last = fa.input_ids.size(1) - 1;
  ASSERT_EQ(fa.attention_mask[1][last].item<int64_t>(), 0);
  EXPECT_EQ(fa.input_ids[1][last].item<int64_t>(), 2);
  EXPECT_EQ(fb.input_ids[1][last].item<int64_t>(), 0);
  EXPECT_EQ(config({"data.pad=eos"}).data.pad_policy, data::PadPolicy::eos);

  auto [r, l] = differ({"data.shuffle=false"}, {"data.pad_side=left"});
  auto fr = r.batch(0, 0).first, fl = l.batch(0, 0).first;
  EXPECT_EQ(fr.attention_mask[1][0].item<int64_t>(), 1);
  EXPECT_EQ(fl.attention_mask[1][0].item<int64_t>(), 0);  // pads first
  EXPECT_EQ(fl.attention_mask[1][last].item<int64_t>(), 1);
  EXPECT_EQ(fl.input_ids[1][last].item<int64_t>(), fr.input_ids[1][fr.attention_mask[1].sum().item<int64_t>() - 1].item<int64_t>());
}

TEST(RecipeData, TokenStreamBosAndWrap) {
  const std::vector<std::string> stream = {"data.cut=token_stream", "data.max_length=8", "data.shuffle=false"};
  auto [a, b] = differ(stream, {"data.bos_id=5"});
  EXPECT_EQ(ds(a).forget[0].input_ids[0], 1);  // the tokenizer's BOS
  EXPECT_EQ(ds(b).forget[0].input_ids[0], 5);
  auto [w, r] = differ(stream, {"data.wrap_with_bos=false"});
  // The short last chunk is completed with the first chunk: BOS included (muse_bench) or not.
  const auto& lw = ds(w).forget.back().input_ids;
  const auto& lr = ds(r).forget.back().input_ids;
  EXPECT_NE(std::find(lw.begin() + 1, lw.end(), 1), lw.end());
  EXPECT_EQ(std::find(lr.begin() + 1, lr.end(), 1), lr.end());
}

TEST(RecipeData, DataSeedIsApartFromTrainSeed) {
  auto [a, b] = differ({}, {"data.seed=7"});
  EXPECT_EQ(config({"data.seed=7"}).data.seed, 7u);
  // With data.seed set, train.seed no longer moves the data; with -1 it does.
  CorpusBatches s1(config({"data.seed=7", "train.seed=1"}), spm()), s2(config({"data.seed=7", "train.seed=2"}), spm());
  EXPECT_TRUE(same(epoch(s1), epoch(s2)));
  EXPECT_TRUE(same(epoch(b), epoch(s1)));
  CorpusBatches t1(config({"train.seed=1"}), spm()), t2(config({"train.seed=2"}), spm());
  EXPECT_FALSE(same(epoch(t1), epoch(t2)));
  CorpusBatches explicit42(config({"data.seed=42"}), spm());  // train.seed's default
  EXPECT_TRUE(same(epoch(a), epoch(explicit42)));
}

TEST(RecipeData, MaxRetainExamples) {
  auto [a, b] = differ({}, {"data.max_retain_examples=1"});
  EXPECT_EQ(ds(a).retain.size(), 3u);
  EXPECT_EQ(ds(b).retain.size(), 1u);
  EXPECT_EQ(ds(b).forget.size(), 5u);
}

TEST(RecipeData, RoundRobinForgetCorpora) {
  const std::string two = "data.forget=[" + corpora().forget + ", " + corpora().forget2 + "]";
  auto [a, b] = differ({two, "data.shuffle=false"}, {"data.forget_mix=round_robin"});
  EXPECT_EQ(ds(b).topics, (V{0, 0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(b.batches_per_epoch(), 2 * 3);  // 2 topics x max(3, 2) batches of 2
  for (int64_t i = 0; i < b.batches_per_epoch(); ++i)
    for (auto t : b.batch(0, i).first.topics) EXPECT_EQ(t, i % 2) << "micro-batch " << i;
  EXPECT_EQ(b.batch(0, 1).first.indices, (V{5, 6}));
  EXPECT_EQ(config({two}).loss.rmu.topics, 2);
  // Unlearning only.
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { config({"data.train=" + corpora().forget, "data.forget_mix=round_robin", "loss.forget=none"},
                                      TaskKind::finetune); })
                .find("data.forget_mix"),
            std::string::npos);
}

TEST(RecipeData, CorpusEntriesFromYamlAndSet) {
  const auto& c = corpora();
  const std::string recipe = c.dir + "/rmu.yaml";
  write_text_file_atomic(recipe, "model: {path: " + lethe::testing::fixture("models/llama") + "}\n"
                                 "output: {dir: " + c.dir + "/o}\n"
                                 "data:\n"
                                 "  forget:\n"
                                 "    - {path: " + c.forget + ", max_length: 5}\n"
                                 "    - path: " + c.forget2 + "\n"
                                 "      format: lines\n"
                                 "      min_chars: 16\n"
                                 "  retain: [" + c.retain + "]\n"
                                 "  max_length: 9\n"
                                 "  pad: 2\n"
                                 "  forget_mix: round_robin\n");
  auto cfg = load_train_config(recipe, {}, TaskKind::unlearn);
  ASSERT_EQ(cfg.data.forget.size(), 2u);
  EXPECT_EQ(*cfg.data.forget[0].max_length, 5);
  EXPECT_EQ(*cfg.data.forget[1].format, data::CorpusFormat::lines);
  CorpusBatches b(cfg, spm());
  const auto& d = ds(b);
  EXPECT_EQ(d.topics, (V{0, 0, 0, 0, 0, 1, 1}));  // the line "Rotate keys." has 15 characters: dropped
  for (size_t i = 0; i < 5; ++i) EXPECT_LE(d.forget[i].size(), 5u);
  EXPECT_EQ(d.forget[0].size(), 5u);
  // Topic 1: the raw line (JSON quotes and newline kept) cut at the section's max_length.
  EXPECT_EQ(d.forget[5].size(), 9u);
  EXPECT_EQ(d.forget[5].input_ids,
            data::cut_per_document({"\"Port scans reveal open services.\"\n"}, spm(), cfg.data.cut_options(spm()))[0].input_ids);
  // The resolved config written beside the outputs reads back to the same settings.
  auto again = TrainConfig::from_json(merge_checked(recipe_defaults(), yaml_to_json(to_yaml(cfg.resolved), "x"), "x"),
                                      TaskKind::unlearn);
  EXPECT_EQ(again.data.to_json(), cfg.data.to_json());
  // --set with entries.
  auto set = config({"data.forget=[{path: " + c.forget + ", max_length: 4}, " + c.forget2 + "]"});
  ASSERT_EQ(set.data.forget.size(), 2u);
  EXPECT_EQ(*set.data.forget[0].max_length, 4);
  EXPECT_FALSE(set.data.forget[1].has_overrides());
}

TEST(RecipeData, UnknownKeysAndMalformedEntries) {
  const auto& c = corpora();
  // Unknown data keys: rejected with a suggestion, in a file and in --set.
  EXPECT_NE(lethe::testing::error_text<ConfigError>([&] { config({"data.pad_sid=left"}); }).find("unknown key 'data.pad_sid' (did you mean 'data.pad_side'?)"),
            std::string::npos);
  const std::string bad = c.dir + "/bad.yaml";
  write_text_file_atomic(bad, "model: {path: m}\noutput: {dir: o}\ndata: {min_char: 3}\n");
  auto e = lethe::testing::error_text<ConfigError>([&] { load_train_config(bad, {}, TaskKind::unlearn); });
  EXPECT_NE(e.find("unknown key 'data.min_char' (did you mean 'data.min_chars'?)"), std::string::npos) << e;
  // Per-corpus keys: the entry and key named, the recipe file too.
  const std::string entry = c.dir + "/entry.yaml";
  write_text_file_atomic(entry, "model: {path: m}\noutput: {dir: o}\ndata:\n  forget:\n    - " + c.forget +
                                    "\n    - {path: " + c.forget2 + ", max_lenght: 768}\n");
  e = lethe::testing::error_text<ConfigError>([&] { load_train_config(entry, {}, TaskKind::unlearn); });
  EXPECT_NE(e.find(entry + ": data.forget[1].max_lenght: unknown per-corpus key (valid: path, format, text_field, "
                           "max_length, min_chars)"),
            std::string::npos)
      << e;
  e = lethe::testing::error_text<ConfigError>([&] { config({"data.forget=[{max_length: 768}]"}); });
  EXPECT_NE(e.find("data.forget[0].path: missing"), std::string::npos) << e;
  e = lethe::testing::error_text<ConfigError>([&] { config({"data.retain=[{path: r, max_length: many}]"}); });
  EXPECT_NE(e.find("data.retain[0].max_length: expected an integer"), std::string::npos) << e;
  e = lethe::testing::error_text<ConfigError>([&] { config({"loss.rmu.params=[{name: x}]"}); });
  EXPECT_NE(e.find("loss.rmu.params"), std::string::npos) << e;
}
