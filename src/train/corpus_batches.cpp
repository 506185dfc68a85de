#include "lethe/train/corpus_batches.h"

#include <algorithm>
#include <numeric>

#include "lethe/core/error.h"
#include "lethe/data/corpus.h"

namespace lethe::train {
namespace {

std::vector<data::Example> read_examples(const json& files, const json& d, const Tokenizer& tok, const std::string& key) {
  std::vector<std::string> docs;
  data::CorpusOptions co;
  co.field = d["text_field"];
  co.format = data::parse_corpus_format(d["format"], "data.format");
  for (const auto& f : files) {
    auto part = data::read_corpus(f.get<std::string>(), co);
    docs.insert(docs.end(), part.begin(), part.end());
  }
  if (docs.empty()) throw ConfigError(key + ": no documents (list corpus files here)");
  data::CutOptions cut;
  cut.max_length = d["max_length"];
  cut.pad_to_max_length = d["pad_to_max_length"];
  cut.mask_padding_in_labels = d["mask_padding"];
  cut.add_special_tokens = d["add_bos"];
  cut.separator = d["separator"];
  auto ex = data::cut_corpus(docs, tok, data::parse_cut_mode(d["cut"], "data.cut"), cut);
  const int64_t limit = d["max_examples"];
  if (limit > 0 && int64_t(ex.size()) > limit) ex.resize(size_t(limit));
  return ex;
}

}  // namespace

CorpusBatches::CorpusBatches(const TrainConfig& cfg, const Tokenizer& tok) {
  const auto& d = cfg.data;
  has_forget_ = cfg.task == TaskKind::unlearn;
  batch_size_ = cfg.batch_size;
  seed_ = cfg.seed;
  shuffle_ = d["shuffle"];
  data::CutOptions cut;
  pad_id_ = data::resolve_pad_id(tok, cut);
  if (has_forget_) {
    primary_ = read_examples(d["forget"], d, tok, "data.forget");
    if (!d["retain"].empty()) retain_ = read_examples(d["retain"], d, tok, "data.retain");
  } else {
    primary_ = read_examples(d["train"], d, tok, "data.train");
  }
  const std::string pairing = d["pairing"];
  if (pairing != "random" && pairing != "cyclic") throw ConfigError("data.pairing: use random or cyclic");
  init_pairing(pairing == "cyclic");
}

CorpusBatches::CorpusBatches(std::vector<data::Example> primary, std::vector<data::Example> retain, bool has_forget,
                             int64_t batch_size, uint64_t seed, bool shuffle, bool cyclic, int64_t pad_id)
    : primary_(std::move(primary)), retain_(std::move(retain)), has_forget_(has_forget), batch_size_(batch_size),
      seed_(seed), shuffle_(shuffle), pad_id_(pad_id) {
  init_pairing(cyclic);
}

void CorpusBatches::init_pairing(bool cyclic) {
  partner_.resize(primary_.size());
  if (retain_.empty()) return;
  std::mt19937_64 rng(seed_ ^ 0x5eedULL);
  for (size_t i = 0; i < primary_.size(); ++i)
    partner_[i] = cyclic ? int64_t(i % retain_.size()) : int64_t(rng() % retain_.size());
}

int64_t CorpusBatches::batches_per_epoch() { return (int64_t(primary_.size()) + batch_size_ - 1) / batch_size_; }

StepBatch CorpusBatches::collate(const std::vector<data::Example>& src, const std::vector<int64_t>& idx) const {
  size_t T = 0;
  for (auto i : idx) T = std::max(T, src[i].size());
  const int64_t B = int64_t(idx.size());
  auto ids = torch::full({B, int64_t(T)}, pad_id_, torch::kInt64);
  auto mask = torch::zeros({B, int64_t(T)}, torch::kInt64);
  auto labels = torch::full({B, int64_t(T)}, int64_t(data::kIgnoreLabel), torch::kInt64);
  auto a = ids.accessor<int64_t, 2>(), m = mask.accessor<int64_t, 2>(), l = labels.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& e = src[idx[b]];
    for (size_t t = 0; t < e.size(); ++t) {
      a[b][t] = e.input_ids[t];
      m[b][t] = e.attention_mask[t];
      l[b][t] = e.labels[t];
    }
  }
  return StepBatch{ids, mask, labels, idx};
}

std::pair<StepBatch, StepBatch> CorpusBatches::batch(int64_t epoch, int64_t index) {
  std::vector<int64_t> order(primary_.size());
  std::iota(order.begin(), order.end(), 0);
  if (shuffle_) std::shuffle(order.begin(), order.end(), std::mt19937_64(seed_ + uint64_t(epoch)));
  const int64_t lo = index * batch_size_, hi = std::min<int64_t>(lo + batch_size_, int64_t(order.size()));
  if (lo >= hi) throw ConfigError("batch index " + std::to_string(index) + " past the end of the epoch");
  std::vector<int64_t> idx(order.begin() + lo, order.begin() + hi);
  StepBatch first = collate(primary_, idx), second;
  if (!has_forget_) return {StepBatch{}, first};
  if (!retain_.empty()) {
    std::vector<int64_t> r;
    for (auto i : idx) r.push_back(partner_[i]);
    second = collate(retain_, r);
  }
  return {first, second};
}

}  // namespace lethe::train

#include "lethe/model/tokenizer_loader.h"

namespace lethe::train {

TrainResult train_from_recipe(const std::string& recipe_path, const std::vector<std::string>& overrides, TaskKind task,
                              const RunOptions& opts) {
  auto cfg = load_train_config(recipe_path, overrides, task);
  auto tok = load_tokenizer(cfg.tokenizer_path);
  CorpusBatches data(cfg, tok);
  return run_training(cfg, data, opts);
}

}  // namespace lethe::train
