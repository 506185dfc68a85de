// Post-processors (tokenizer.json "post_processor"): TemplateProcessing (single sequence),
// RobertaProcessing, BertProcessing, ByteLevel (no change to ids) and Sequence. They add the
// special tokens (BOS/EOS, CLS/SEP) around an encoded sequence when add_special_tokens is set.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lethe/core/files.h"

namespace lethe::tok {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Rewrites the ids of one sequence (called only when special tokens are to be added).
  virtual void process(std::vector<int32_t>& ids) const = 0;
  // Special token ids put before / after the sequence (for BOS/EOS discovery).
  virtual std::vector<int32_t> prefix_ids() const { return {}; }
  virtual std::vector<int32_t> suffix_ids() const { return {}; }
};

// Builds the post-processor described by `config` (null -> nullptr). `origin` names the file.
std::unique_ptr<PostProcessor> make_post_processor(const json& config, const std::string& origin);

}  // namespace lethe::tok
