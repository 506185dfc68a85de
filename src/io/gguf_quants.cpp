// Dequantization of ggml blocks to float32, one function per type, each a transcription of
// ggml-quants.c's dequantize_row_* (GGUF_LAYOUTS.md section 2). The arithmetic is done in the
// same order as the python `gguf` package's dequantize_blocks (checked bit-exact by
// tests/io/test_gguf_quants.cpp): e.g. Q4_K computes (d*sc)*q - (dmin*m), never a fused
// multiply-add (nothing here is compiled with FMA instructions enabled).
#include "lethe/io/gguf_quants.h"

#include <ATen/Parallel.h>
#include <c10/util/Half.h>

#include <cstring>
#include <stdexcept>

namespace lethe {
namespace {

constexpr int QK = 32;    // legacy block size
constexpr int QK_K = 256; // K-quant super-block size

// IEEE half (LE u16 at p) -> float, exact.
inline float h2f(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return c10::detail::fp16_ieee_to_fp32_value(h);
}

// --- scalar types -------------------------------------------------------------------------------
void deq_f32(const uint8_t* x, float* y) { std::memcpy(y, x, 4); }
void deq_f16(const uint8_t* x, float* y) { *y = h2f(x); }
// bf16 is the top half of an f32: bits << 16.
void deq_bf16(const uint8_t* x, float* y) {
  uint16_t b;
  std::memcpy(&b, x, 2);
  uint32_t u = uint32_t(b) << 16;
  std::memcpy(y, &u, 4);
}

// --- 32-element blocks ----------------------------------------------------------------------------
// Q8_0: d fp16 @0, qs int8[32] @2; y[j] = qs[j] * d.
void deq_q8_0(const uint8_t* x, float* y) {
  const float d = h2f(x);
  const int8_t* qs = reinterpret_cast<const int8_t*>(x + 2);
  for (int j = 0; j < QK; ++j) y[j] = float(qs[j]) * d;
}
// Q4_0: d @0, qs[16] @2; y[j] = ((qs[j]&0xF)-8)*d, y[j+16] = ((qs[j]>>4)-8)*d.
void deq_q4_0(const uint8_t* x, float* y) {
  const float d = h2f(x);
  const uint8_t* qs = x + 2;
  for (int j = 0; j < QK / 2; ++j) {
    y[j] = float(int(qs[j] & 0x0F) - 8) * d;
    y[j + QK / 2] = float(int(qs[j] >> 4) - 8) * d;
  }
}
// Q4_1: d @0, m @2, qs[16] @4; y[j] = (qs[j]&0xF)*d + m, y[j+16] = (qs[j]>>4)*d + m.
void deq_q4_1(const uint8_t* x, float* y) {
  const float d = h2f(x), m = h2f(x + 2);
  const uint8_t* qs = x + 4;
  for (int j = 0; j < QK / 2; ++j) {
    y[j] = float(qs[j] & 0x0F) * d + m;
    y[j + QK / 2] = float(qs[j] >> 4) * d + m;
  }
}
// Q5_0: d @0, qh u32 @2, qs[16] @6; y = (q - 16)*d.
// Q5_1: d @0, m @2, qh u32 @4, qs[16] @8; y = q*d + m.
// 5-bit q of element j < 16: low nibble of qs[j] with bit j of qh as 5th bit; of element j+16:
// high nibble of qs[j] with bit j+16 of qh.
template <bool kQ5_1>
void deq_q5(const uint8_t* x, float* y) {
  const int head = kQ5_1 ? 4 : 2;  // d, and m for Q5_1
  const float d = h2f(x), m = kQ5_1 ? h2f(x + 2) : 0.0f;
  uint32_t qh;
  std::memcpy(&qh, x + head, 4);
  const uint8_t* qs = x + head + 4;
  auto value = [&](int q) { return kQ5_1 ? float(q) * d + m : float(q - 16) * d; };
  for (int j = 0; j < QK / 2; ++j) {
    y[j] = value((qs[j] & 0x0F) | (((qh >> j) << 4) & 0x10));
    y[j + QK / 2] = value((qs[j] >> 4) | ((qh >> (j + 12)) & 0x10));
  }
}
void deq_q5_0(const uint8_t* x, float* y) { deq_q5<false>(x, y); }
void deq_q5_1(const uint8_t* x, float* y) { deq_q5<true>(x, y); }

// --- 256-element K-quant super-blocks ------------------------------------------------------------
// Q2_K: scales[16] @0 (lo nibble scale, hi nibble min), qs[64] @16, d @80, dmin @82.
// Element e = 128*h + 32*s + l (h<2, s<4, l<32): q = (qs[32h+l] >> 2s) & 3, sub-block e/16;
// y = (d*sc)*q - (dmin*mn).
void deq_q2_k(const uint8_t* x, float* y) {
  const uint8_t* scales = x;
  const uint8_t* qs = x + 16;
  const float d = h2f(x + 80), dmin = h2f(x + 82);
  for (int e = 0; e < QK_K; ++e) {
    const int h = e / 128, s = (e / 32) % 4, l = e % 32;
    const uint8_t sc = scales[e / 16];
    const float dl = d * float(sc & 0x0F), ml = dmin * float(sc >> 4);
    y[e] = dl * float((qs[32 * h + l] >> (2 * s)) & 3) - ml;
  }
}
// Q3_K: hmask[32] @0, qs[64] @32, scales[12] @96, d @108. 6-bit scale k (0..15):
// lo 4 bits = (scales[k%8] >> 4*(k/8)) & 0xF, hi 2 bits = (scales[8 + k%4] >> 2*(k/4)) & 3; minus 32.
// Element e = 128*h + 32*s + l: q = ((qs[32h+l] >> 2s) & 3) - (hmask[l] bit (e/32) set ? 0 : 4);
// y = (d*scale[e/16]) * q.
void deq_q3_k(const uint8_t* x, float* y) {
  const uint8_t* hmask = x;
  const uint8_t* qs = x + 32;
  const uint8_t* sb = x + 96;
  const float d = h2f(x + 108);
  float dl[16];
  for (int k = 0; k < 16; ++k) {
    const int lo = (sb[k % 8] >> (4 * (k / 8))) & 0x0F;
    const int hi = (sb[8 + k % 4] >> (2 * (k / 4))) & 0x03;
    dl[k] = d * float(int8_t(uint8_t(lo | (hi << 4))) - 32);
  }
  for (int e = 0; e < QK_K; ++e) {
    const int h = e / 128, s = (e / 32) % 4, l = e % 32;
    const int low = (qs[32 * h + l] >> (2 * s)) & 3;
    const int high = ((hmask[l] >> (e / 32)) & 1) ? 0 : 4;
    y[e] = dl[e / 16] * float(low - high);
  }
}
// get_scale_min_k4: 6-bit scale/min of sub-block s (0..7) from the 12 packed bytes.
inline void scale_min_k4(int s, const uint8_t* q, int& sc, int& mn) {
  if (s < 4) {
    sc = q[s] & 63;
    mn = q[s + 4] & 63;
  } else {
    sc = (q[s + 4] & 0x0F) | ((q[s - 4] >> 6) << 4);
    mn = (q[s + 4] >> 4) | ((q[s] >> 6) << 4);
  }
}
// Multipliers of chunk c (0..3, 64 elements) of a Q4_K/Q5_K super-block, whose common head is
// d fp16 @0, dmin fp16 @2, scales[12] @4: its low-nibble half (sub-block 2c) is y = d1*q - m1,
// its high-nibble half (sub-block 2c+1) y = d2*q - m2, with d1 = d*sc(2c), m1 = dmin*mn(2c), ...
struct ChunkScales {
  float d1, m1, d2, m2;
};
inline ChunkScales k4_chunk_scales(const uint8_t* x, int c) {
  const float d = h2f(x), dmin = h2f(x + 2);
  int sc1, mn1, sc2, mn2;
  scale_min_k4(2 * c, x + 4, sc1, mn1);
  scale_min_k4(2 * c + 1, x + 4, sc2, mn2);
  return {d * float(sc1), dmin * float(mn1), d * float(sc2), dmin * float(mn2)};
}
// Q4_K: d @0, dmin @2, scales[12] @4, qs[128] @16. Chunk c (64 elements) uses q = qs + 32c:
// y[64c+l] = d1*(q[l]&0xF) - m1; y[64c+32+l] = d2*(q[l]>>4) - m2 (k4_chunk_scales).
void deq_q4_k(const uint8_t* x, float* y) {
  const uint8_t* qs = x + 16;
  for (int c = 0; c < 4; ++c) {
    const ChunkScales s = k4_chunk_scales(x, c);
    const uint8_t* q = qs + 32 * c;
    for (int l = 0; l < 32; ++l) y[64 * c + l] = s.d1 * float(q[l] & 0x0F) - s.m1;
    for (int l = 0; l < 32; ++l) y[64 * c + 32 + l] = s.d2 * float(q[l] >> 4) - s.m2;
  }
}
// Q5_K: d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48. As Q4_K, plus 16 when bit
// (e/32) of qh[l] is set (low-nibble half of chunk c uses bit 2c, high-nibble half bit 2c+1).
void deq_q5_k(const uint8_t* x, float* y) {
  const uint8_t* qh = x + 16;
  const uint8_t* qs = x + 48;
  for (int c = 0; c < 4; ++c) {
    const ChunkScales s = k4_chunk_scales(x, c);
    const uint8_t* q = qs + 32 * c;
    const uint8_t u1 = uint8_t(1u << (2 * c)), u2 = uint8_t(2u << (2 * c));
    for (int l = 0; l < 32; ++l) y[64 * c + l] = s.d1 * float((q[l] & 0x0F) + ((qh[l] & u1) ? 16 : 0)) - s.m1;
    for (int l = 0; l < 32; ++l) y[64 * c + 32 + l] = s.d2 * float((q[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - s.m2;
  }
}
// Q6_K: ql[128] @0, qh[64] @128, scales int8[16] @192, d @208. Half n (128 elements) uses
// ql+64n, qh+32n, sc+8n; for l < 32, is = l/16:
// y[l]    = (d*sc[is])  *((ql[l]&0xF    | ((qh[l]>>0)&3)<<4) - 32)
// y[l+32] = (d*sc[is+2])*((ql[l+32]&0xF | ((qh[l]>>2)&3)<<4) - 32)
// y[l+64] = (d*sc[is+4])*((ql[l]>>4     | ((qh[l]>>4)&3)<<4) - 32)
// y[l+96] = (d*sc[is+6])*((ql[l+32]>>4  | ((qh[l]>>6)&3)<<4) - 32)
void deq_q6_k(const uint8_t* x, float* y) {
  const float d = h2f(x + 208);
  for (int n = 0; n < 2; ++n) {
    const uint8_t* ql = x + 64 * n;
    const uint8_t* qh = x + 128 + 32 * n;
    const int8_t* sc = reinterpret_cast<const int8_t*>(x + 192 + 8 * n);
    float* yy = y + 128 * n;
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = int((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = int((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      yy[l] = (d * float(sc[is])) * float(q1);
      yy[l + 32] = (d * float(sc[is + 2])) * float(q2);
      yy[l + 64] = (d * float(sc[is + 4])) * float(q3);
      yy[l + 96] = (d * float(sc[is + 6])) * float(q4);
    }
  }
}

using BlockFn = void (*)(const uint8_t*, float*);

struct Entry {
  uint32_t id;
  GgmlTypeTraits traits;
  BlockFn fn;
};

// ggml type_traits (ggml.c) for every id of GGUF_LAYOUTS.md's table; fn == nullptr: known but
// not dequantized here.
const Entry kTypes[] = {
    {0, {"F32", 1, 4, true}, deq_f32},        {1, {"F16", 1, 2, true}, deq_f16},
    {2, {"Q4_0", 32, 18, true}, deq_q4_0},    {3, {"Q4_1", 32, 20, true}, deq_q4_1},
    {6, {"Q5_0", 32, 22, true}, deq_q5_0},    {7, {"Q5_1", 32, 24, true}, deq_q5_1},
    {8, {"Q8_0", 32, 34, true}, deq_q8_0},    {9, {"Q8_1", 32, 36, false}, nullptr},
    {10, {"Q2_K", 256, 84, true}, deq_q2_k},  {11, {"Q3_K", 256, 110, true}, deq_q3_k},
    {12, {"Q4_K", 256, 144, true}, deq_q4_k}, {13, {"Q5_K", 256, 176, true}, deq_q5_k},
    {14, {"Q6_K", 256, 210, true}, deq_q6_k}, {15, {"Q8_K", 256, 292, false}, nullptr},
    {16, {"IQ2_XXS", 256, 66, false}, nullptr}, {17, {"IQ2_XS", 256, 74, false}, nullptr},
    {18, {"IQ3_XXS", 256, 98, false}, nullptr}, {19, {"IQ1_S", 256, 50, false}, nullptr},
    {20, {"IQ4_NL", 32, 18, false}, nullptr},   {21, {"IQ3_S", 256, 110, false}, nullptr},
    {22, {"IQ2_S", 256, 82, false}, nullptr},   {23, {"IQ4_XS", 256, 136, false}, nullptr},
    {24, {"I8", 1, 1, false}, nullptr},         {25, {"I16", 1, 2, false}, nullptr},
    {26, {"I32", 1, 4, false}, nullptr},        {27, {"I64", 1, 8, false}, nullptr},
    {28, {"F64", 1, 8, false}, nullptr},        {29, {"IQ1_M", 256, 56, false}, nullptr},
    {30, {"BF16", 1, 2, true}, deq_bf16},       {34, {"TQ1_0", 256, 54, false}, nullptr},
    {35, {"TQ2_0", 256, 66, false}, nullptr},   {39, {"MXFP4", 32, 17, false}, nullptr},
    {40, {"NVFP4", 64, 36, false}, nullptr},    {41, {"Q1_0", 128, 18, false}, nullptr},
};

const Entry* find_entry(uint32_t type) {
  for (const auto& e : kTypes)
    if (e.id == type) return &e;
  return nullptr;
}

}  // namespace

const GgmlTypeTraits* ggml_type_traits(uint32_t type) {
  const Entry* e = find_entry(type);
  return e ? &e->traits : nullptr;
}

std::string ggml_type_name(uint32_t type) {
  const Entry* e = find_entry(type);
  return e ? std::string(e->traits.name) : "type " + std::to_string(type);
}

void dequantize_blocks(uint32_t type, const uint8_t* src, float* dst, int64_t n_blocks) {
  const Entry* e = find_entry(type);
  if (!e || !e->fn) throw std::invalid_argument("cannot dequantize ggml type " + ggml_type_name(type));
  const BlockFn fn = e->fn;
  const int64_t bs = e->traits.block_size, ts = e->traits.type_size;
  // Grain: ~16K output floats per task, so small tensors stay on one thread.
  const int64_t grain = std::max<int64_t>(1, 16384 / bs);
  at::parallel_for(0, n_blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) fn(src + b * ts, dst + b * bs);
  });
}

}  // namespace lethe
