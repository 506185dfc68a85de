// Recipes: YAML files with sections (model, data, loss, optim, schedule, train, output) merged
// over typed defaults. Every key must exist in the defaults (unknown keys are rejected with a
// "did you mean" suggestion by edit distance), and every value is converted to the default's
// type (bool, integer, number, string, list of strings). A list item may also be a mapping
// (data.forget: {path: f, max_length: 768}); it is kept as written and checked by the section's
// own reader. `--set a.b=v` overrides follow the same rules (a list holding mappings is read as
// YAML: --set 'data.forget=[{path: a.jsonl, max_length: 512}, b.jsonl]'). The resolved tree is
// what the trainer runs and what it writes beside every output.
#pragma once
#include <string>
#include <vector>

#include "lethe/core/files.h"

namespace lethe::train {

// Levenshtein distance (insert, delete, substitute; each costs 1).
size_t edit_distance(const std::string& a, const std::string& b);
// The closest candidate within distance max(2, |word|/2), or "" if none is that close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Merges `user` into a copy of `defaults`. `where` names the source in errors (file path).
// Throws ConfigError "<where>: unknown key 'loss.bta' (did you mean 'loss.beta'?)" or
// "<where>: loss.beta: expected a number, got 'abc'".
json merge_checked(const json& defaults, const json& user, const std::string& where);

// Applies "a.b.c=value" (value parsed as the default's type; lists as YAML "[x, y]" or "x,y").
void apply_override(json& tree, const std::string& assignment);

// YAML text (a file's contents) -> JSON; scalars stay strings (typed later by merge_checked).
json yaml_to_json(const std::string& text, const std::string& where);

// Reads `path` (YAML), merges it over `defaults`, applies `overrides` in order.
json load_recipe(const std::string& path, const json& defaults, const std::vector<std::string>& overrides);

// JSON tree -> YAML text (for writing the resolved configuration).
std::string to_yaml(const json& tree);

}  // namespace lethe::train
