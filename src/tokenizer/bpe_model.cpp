// BPE model, as HF tokenizers/src/models/bpe/{model,word}.rs (v0.19, no dropout).
#include "lethe/tokenizer/bpe_model.h"

#include <cstdio>
#include <queue>

#include "lethe/core/error.h"
#include "lethe/tokenizer/unicode.h"

namespace lethe::tok {

BpeModel::BpeModel(const json& c, const std::string& origin) {
  check_format(c.contains("vocab") && c["vocab"].is_object(), origin, "BPE model has no \"vocab\" object");
  for (auto it = c["vocab"].begin(); it != c["vocab"].end(); ++it) {
    check_format(it.value().is_number_integer() && it.value().get<int64_t>() >= 0, origin,
                 "vocab entry '" + it.key() + "' has no valid id");
    int32_t id = it.value().get<int32_t>();
    vocab_[it.key()] = id;
    if (static_cast<size_t>(id) >= id_to_token_.size()) id_to_token_.resize(id + 1);
    id_to_token_[id] = it.key();
  }
  auto str = [&](const char* k) {
    return c.contains(k) && c[k].is_string() ? c[k].get<std::string>() : std::string();
  };
  prefix_ = str("continuing_subword_prefix");
  suffix_ = str("end_of_word_suffix");
  unk_token_ = str("unk_token");
  fuse_unk_ = c.value("fuse_unk", false) == true;
  byte_fallback_ = c.contains("byte_fallback") && c["byte_fallback"].is_boolean() && c["byte_fallback"].get<bool>();
  ignore_merges_ = c.contains("ignore_merges") && c["ignore_merges"].is_boolean() && c["ignore_merges"].get<bool>();
  if (c.contains("dropout") && c["dropout"].is_number())
    check_format(c["dropout"].get<double>() == 0.0, origin, "BPE dropout is not supported");
  if (!unk_token_.empty()) {
    auto it = vocab_.find(unk_token_);
    if (it != vocab_.end()) unk_id_ = it->second;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = vocab_.find(name);
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
  if (!c.contains("merges")) return;
  check_format(c["merges"].is_array(), origin, "BPE \"merges\" is not an array");
  int32_t rank = 0;
  for (const auto& m : c["merges"]) {
    std::string a, b;
    if (m.is_string()) {
      const auto& s = m.get_ref<const std::string&>();
      size_t sp = s.find(' ');
      check_format(sp != std::string::npos && s.find(' ', sp + 1) == std::string::npos, origin,
                   "merge '" + s + "' is not two tokens separated by one space");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else {
      check_format(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), origin,
                   "merge #" + std::to_string(rank) + " is neither \"a b\" nor [a, b]");
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    }
    auto ia = vocab_.find(a), ib = vocab_.find(b);
    check_format(ia != vocab_.end() && ib != vocab_.end(), origin,
                 "merge '" + a + " " + b + "' uses a token missing from the vocab");
    std::string merged = a + b.substr(std::min(prefix_.size(), b.size()));
    auto im = vocab_.find(merged);
    check_format(im != vocab_.end(), origin, "merge '" + a + " " + b + "' result is missing from the vocab");
    merges_.emplace(key(ia->second, ib->second), MergeInfo{rank, im->second});  // first rank wins
    merge_list_.emplace_back(ia->second, ib->second);
    ++rank;
  }
}

std::optional<int32_t> BpeModel::token_to_id(const std::string& t) const {
  auto it = vocab_.find(t);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string& BpeModel::id_to_token(int32_t id) const {
  static const std::string empty;
  return id >= 0 && static_cast<size_t>(id) < id_to_token_.size() ? id_to_token_[id] : empty;
}

void BpeModel::tokenize(const std::string& word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    auto it = vocab_.find(word);
    if (it != vocab_.end()) { out.push_back(it->second); return; }
  }
  bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(word);
    if (it != cache_.end()) { out.insert(out.end(), it->second.begin(), it->second.end()); return; }
  }
  size_t first = out.size();
  merge_word(word, out);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() < kCacheCapacity) cache_.emplace(word, std::vector<int32_t>(out.begin() + first, out.end()));
  }
}

void BpeModel::merge_word(const std::string& word, std::vector<int32_t>& out) const {
  struct Sym { int32_t id; int prev, next; bool alive; bool unk; };
  std::vector<Sym> syms;
  syms.reserve(word.size());
  // 1. One symbol per character (vocab lookup with prefix/suffix), else its <0xXX> bytes, else unk.
  for (size_t i = 0; i < word.size();) {
    int len = utf8_len(static_cast<unsigned char>(word[i]));
    if (i + len > word.size()) len = static_cast<int>(word.size() - i);
    bool is_first = i == 0, is_last = i + len == word.size();
    std::string s = word.substr(i, len);
    if (!is_first) s.insert(0, prefix_);
    if (is_last) s += suffix_;
    auto it = vocab_.find(s);
    if (it != vocab_.end()) {
      syms.push_back({it->second, 0, 0, true, false});
    } else {
      bool done = false;
      if (byte_fallback_) {
        bool all = true;
        for (int k = 0; k < len; ++k) all = all && byte_ids_[static_cast<unsigned char>(word[i + k])] >= 0;
        if (all) {
          for (int k = 0; k < len; ++k) syms.push_back({byte_ids_[static_cast<unsigned char>(word[i + k])], 0, 0, true, false});
          done = true;
        }
      }
      if (!done && unk_id_) {
        if (!(fuse_unk_ && !syms.empty() && syms.back().unk)) syms.push_back({*unk_id_, 0, 0, true, true});
      }
    }
    i += len;
  }
  const int n = static_cast<int>(syms.size());
  for (int i = 0; i < n; ++i) { syms[i].prev = i - 1; syms[i].next = i + 1 < n ? i + 1 : -1; }
  // 2. Merge the lowest-rank pair first (leftmost on ties) until no pair is in the merges.
  struct Cand { int32_t rank; int pos; int32_t new_id; };
  auto worse = [](const Cand& x, const Cand& y) { return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos; };
  std::priority_queue<Cand, std::vector<Cand>, decltype(worse)> heap(worse);
  auto push = [&](int pos) {
    int nx = syms[pos].next;
    if (nx < 0) return;
    auto it = merges_.find(key(syms[pos].id, syms[nx].id));
    if (it != merges_.end()) heap.push({it->second.rank, pos, it->second.new_id});
  };
  for (int i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    Cand top = heap.top();
    heap.pop();
    Sym& s = syms[top.pos];
    if (!s.alive || s.next < 0) continue;
    auto it = merges_.find(key(s.id, syms[s.next].id));
    if (it == merges_.end() || it->second.new_id != top.new_id) continue;  // stale entry
    Sym& r = syms[s.next];
    s.id = top.new_id;
    s.unk = false;
    r.alive = false;
    s.next = r.next;
    if (s.next >= 0) syms[s.next].prev = top.pos;
    if (s.prev >= 0) push(s.prev);
    push(top.pos);
  }
  for (int i = n > 0 ? 0 : -1; i >= 0; i = syms[i].next) out.push_back(syms[i].id);
}

json BpeModel::to_json() const {
  json vocab = json::object();
  for (size_t id = 0; id < id_to_token_.size(); ++id)
    if (!id_to_token_[id].empty() || vocab_.count("")) vocab[id_to_token_[id]] = id;
  json merges = json::array();
  for (auto [a, b] : merge_list_) merges.push_back(id_to_token_[a] + " " + id_to_token_[b]);
  json c = {{"type", "BPE"}, {"dropout", nullptr}, {"fuse_unk", fuse_unk_}, {"byte_fallback", byte_fallback_},
            {"ignore_merges", ignore_merges_}};
  c["unk_token"] = unk_token_.empty() ? json(nullptr) : json(unk_token_);
  c["continuing_subword_prefix"] = prefix_.empty() ? json(nullptr) : json(prefix_);
  c["end_of_word_suffix"] = suffix_.empty() ? json(nullptr) : json(suffix_);
  c["vocab"] = std::move(vocab);
  c["merges"] = std::move(merges);
  return c;
}

}  // namespace lethe::tok
