// Added tokens, as HF tokenizers/src/tokenizer/added_vocabulary.rs (v0.19).
#include "lethe/tokenizer/added_tokens.h"

#include <algorithm>

#include "lethe/tokenizer/unicode.h"

namespace lethe::tok {

json AddedToken::to_json() const {
  return {{"id", id}, {"content", content}, {"single_word", single_word}, {"lstrip", lstrip},
          {"rstrip", rstrip}, {"normalized", normalized}, {"special", special}};
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    content_to_id_[tokens_[i].content] = tokens_[i].id;
    id_to_index_[tokens_[i].id] = i;
  }
  build(raw_, false, normalizer);
  build(normalized_, true, normalizer);
}

void AddedVocabulary::build(Matcher& m, bool normalized_set, const Normalizer* normalizer) {
  m.by_first_byte.assign(256, {});
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].normalized != normalized_set || tokens_[i].content.empty()) continue;
    std::string pat = tokens_[i].content;
    if (normalized_set && normalizer) normalizer->normalize(pat);
    if (pat.empty()) continue;
    m.by_first_byte[static_cast<unsigned char>(pat[0])].push_back(m.patterns.size());
    m.patterns.push_back(pat);
    m.token.push_back(i);
  }
  for (auto& v : m.by_first_byte)
    std::stable_sort(v.begin(), v.end(), [&](size_t a, size_t b) { return m.patterns[a].size() > m.patterns[b].size(); });
}

namespace {
char32_t last_char(const std::string& s, size_t end) {
  size_t k = end - 1;
  while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
  int len = 1;
  return utf8_decode(s, k, &len);
}
bool is_word_char(char32_t c) { return c == '_' || is_alphanumeric(c); }
}  // namespace

void AddedVocabulary::split_one(const Piece& p, const Matcher& m, std::vector<Piece>& out) const {
  const std::string& s = p.text;
  size_t start_offset = 0;
  auto emit = [&](size_t b, size_t e, int32_t id) {
    Piece q;
    q.text = s.substr(b, e - b);
    q.id = id;
    q.at_start = p.at_start && b == 0;
    out.push_back(std::move(q));
  };
  for (size_t i = 0; i < s.size();) {
    const auto& cands = m.by_first_byte[static_cast<unsigned char>(s[i])];
    long hit = -1;
    for (size_t c : cands)
      if (s.compare(i, m.patterns[c].size(), m.patterns[c]) == 0) { hit = static_cast<long>(c); break; }
    if (hit < 0) { ++i; continue; }
    size_t start = i, stop = i + m.patterns[hit].size();
    i = stop;  // leftmost-longest matches never overlap
    const AddedToken& tok = tokens_[m.token[hit]];
    if (tok.single_word) {
      bool start_space = start == 0 || !is_word_char(last_char(s, start));
      int len = 1;
      bool stop_space = stop == s.size() || !is_word_char(utf8_decode(s, stop, &len));
      if (!start_space || !stop_space) continue;
    }
    if (tok.lstrip) {
      size_t b = start;
      while (b > 0) {
        size_t k = b - 1;
        while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        int len = 1;
        if (!is_whitespace(utf8_decode(s, k, &len))) break;
        b = k;
      }
      start = std::max(b, start_offset);
    }
    if (tok.rstrip) {
      while (stop < s.size()) {
        int len = 1;
        if (!is_whitespace(utf8_decode(s, stop, &len))) break;
        stop += len;
      }
    }
    if (start_offset < start) emit(start_offset, start, -1);
    emit(start, stop, tok.id);
    start_offset = stop;
    i = std::max(i, stop);
  }
  if (start_offset < s.size()) emit(start_offset, s.size(), -1);
}

void AddedVocabulary::split(std::vector<Piece>& pieces, bool normalized_set) const {
  const Matcher& m = normalized_set ? normalized_ : raw_;
  if (m.empty()) return;
  split_pieces(pieces, [&](Piece& p, std::vector<Piece>& out) { split_one(p, m, out); });
}

std::optional<int32_t> AddedVocabulary::token_to_id(const std::string& content) const {
  auto it = content_to_id_.find(content);
  if (it == content_to_id_.end()) return std::nullopt;
  return it->second;
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  auto it = id_to_index_.find(id);
  return it == id_to_index_.end() ? nullptr : &tokens_[it->second];
}

}  // namespace lethe::tok
