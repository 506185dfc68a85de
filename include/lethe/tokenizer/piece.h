// A piece of the text being encoded, as it flows through the pipeline (HF's "split" of a
// PreTokenizedString): either still text (id < 0) or an added token already resolved to an id.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lethe::tok {

struct Piece {
  std::string text;       // normalized (and, after ByteLevel, byte-mapped) text
  int32_t id = -1;        // >= 0: an added token matched here; the piece is final
  bool at_start = false;  // the piece begins at byte 0 of the original input (Metaspace "first")
};

// Replaces every text piece p of `pieces` by split(p) (empty results are dropped, as HF does);
// pieces that already have an id pass through. `split` is called as split(piece, out).
template <class F>
void split_pieces(std::vector<Piece>& pieces, F&& split) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 2);
  for (auto& p : pieces) {
    if (p.id >= 0) {
      out.push_back(std::move(p));
      continue;
    }
    size_t before = out.size();
    split(p, out);
    size_t w = before;  // drop empty text pieces
    for (size_t r = before; r < out.size(); ++r)
      if (out[r].id >= 0 || !out[r].text.empty()) {
        if (w != r) out[w] = std::move(out[r]);
        ++w;
      }
    out.resize(w);
  }
  pieces.swap(out);
}

// Cuts `p` at the byte ranges [b, e) of `ranges` (covering p.text in order) into `out`.
void emit_ranges(const Piece& p, const std::vector<std::pair<size_t, size_t>>& ranges,
                 std::vector<Piece>& out);

}  // namespace lethe::tok
