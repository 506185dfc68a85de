#include "lethe/train/corpus_batches.h"


#include "lethe/core/error.h"
#include "lethe/data/batch.h"
#include "lethe/data/corpus.h"
#include "lethe/data/pairing.h"

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
  order_ = data::DataOrder(int64_t(primary_.size()), shuffle_, seed_);
  partner_.clear();
  if (retain_.empty()) return;
  partner_ = data::pair_indices(int64_t(primary_.size()), int64_t(retain_.size()),
                                cyclic ? data::PairingMode::modulo : data::PairingMode::random, seed_);
}

int64_t CorpusBatches::batches_per_epoch() { return order_.num_batches(batch_size_); }

StepBatch CorpusBatches::collate(const std::vector<data::Example>& src, const std::vector<int64_t>& idx) const {
  std::vector<const data::Example*> rows;
  for (auto i : idx) rows.push_back(&src[size_t(i)]);
  auto b = data::collate(rows, pad_id_);
  return StepBatch{b.input_ids, b.attention_mask, b.labels, idx};
}

std::pair<StepBatch, StepBatch> CorpusBatches::batch(int64_t epoch, int64_t index) {
  if (index >= batches_per_epoch()) throw ConfigError("batch index " + std::to_string(index) + " past the end of the epoch");
  const auto idx = order_.batch_indices(epoch, index, batch_size_);
  StepBatch first = collate(primary_, idx), second;
  if (!has_forget_) return {StepBatch{}, first};
  if (!retain_.empty()) {
    std::vector<int64_t> r;
    for (auto i : idx) r.push_back(partner_[size_t(i)]);
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
