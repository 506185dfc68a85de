// Post-processors, as HF tokenizers/src/processors/*.rs (single sequences only).
#include "lethe/tokenizer/post_processor.h"

#include "lethe/core/error.h"

namespace lethe::tok {
namespace {

// ids = prefix ++ ids ++ suffix.
class Wrap : public PostProcessor {
 public:
  Wrap(std::vector<int32_t> pre, std::vector<int32_t> post) : pre_(std::move(pre)), post_(std::move(post)) {}
  void process(std::vector<int32_t>& ids) const override {
    ids.insert(ids.begin(), pre_.begin(), pre_.end());
    ids.insert(ids.end(), post_.begin(), post_.end());
  }
  std::vector<int32_t> prefix_ids() const override { return pre_; }
  std::vector<int32_t> suffix_ids() const override { return post_; }

 private:
  std::vector<int32_t> pre_, post_;
};

class Identity : public PostProcessor {
 public:
  void process(std::vector<int32_t>&) const override {}
};

class Sequence : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> items) : items_(std::move(items)) {}
  void process(std::vector<int32_t>& ids) const override {
    for (const auto& p : items_) if (p) p->process(ids);
  }
  std::vector<int32_t> prefix_ids() const override {
    std::vector<int32_t> out;
    for (auto it = items_.rbegin(); it != items_.rend(); ++it)
      if (*it) { auto p = (*it)->prefix_ids(); out.insert(out.end(), p.begin(), p.end()); }
    return out;
  }
  std::vector<int32_t> suffix_ids() const override {
    std::vector<int32_t> out;
    for (const auto& it : items_)
      if (it) { auto s = it->suffix_ids(); out.insert(out.end(), s.begin(), s.end()); }
    return out;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> items_;
};

// TemplateProcessing "single": [{"SpecialToken": {"id": name}}, {"Sequence": {"id": "A"}}, ...]
// with "special_tokens": {name: {"ids": [...]}}.
std::unique_ptr<PostProcessor> make_template(const json& c, const std::string& origin) {
  check_format(c.contains("single") && c["single"].is_array(), origin, "TemplateProcessing has no \"single\" array");
  std::vector<int32_t> pre, post;
  bool seen_a = false;
  for (const auto& item : c["single"]) {
    if (item.contains("Sequence")) {
      check_format(!seen_a, origin, "TemplateProcessing \"single\" has more than one sequence");
      seen_a = true;
    } else if (item.contains("SpecialToken")) {
      std::string name = item["SpecialToken"].at("id").get<std::string>();
      check_format(c.contains("special_tokens") && c["special_tokens"].contains(name), origin,
                   "TemplateProcessing special token '" + name + "' is not in \"special_tokens\"");
      for (const auto& id : c["special_tokens"][name].at("ids")) (seen_a ? post : pre).push_back(id.get<int32_t>());
    } else {
      throw FormatError(origin, "TemplateProcessing item is neither Sequence nor SpecialToken");
    }
  }
  check_format(seen_a, origin, "TemplateProcessing \"single\" has no sequence");
  return std::make_unique<Wrap>(std::move(pre), std::move(post));
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& c, const std::string& origin) {
  if (c.is_null()) return nullptr;
  check_format(c.is_object() && c.contains("type"), origin, "post_processor without a \"type\"");
  const std::string type = c["type"].get<std::string>();
  if (type == "TemplateProcessing") return make_template(c, origin);
  if (type == "ByteLevel") return std::make_unique<Identity>();
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    // "cls": [token, id], "sep": [token, id]; single = cls A sep.
    return std::make_unique<Wrap>(std::vector<int32_t>{c.at("cls").at(1).get<int32_t>()},
                                  std::vector<int32_t>{c.at("sep").at(1).get<int32_t>()});
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> items;
    for (const auto& item : c.at("processors")) items.push_back(make_post_processor(item, origin));
    return std::make_unique<Sequence>(std::move(items));
  }
  throw FormatError(origin, "unsupported post_processor type '" + type + "'");
}

}  // namespace lethe::tok
