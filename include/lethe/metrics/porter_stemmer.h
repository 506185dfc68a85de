// Porter stemmer, the variant Google's rouge_score uses for `use_stemmer=True`: NLTK's
// PorterStemmer in its default NLTK_EXTENSIONS mode (nltk 3.x, nltk/stem/porter.py).
// That mode is Porter (1980) plus Martin Porter's later changes plus NLTK's own:
//   - a table of irregular forms (skies->sky, dying->die, news->news, proceed->proceed, ...);
//   - words of 1-2 characters are returned unchanged;
//   - step 1a: "ies" on a 4-letter word -> "ie" (dies->die);
//   - step 1b: "ied" -> "ie" on a 4-letter word, else "i" (died->die, spied->spi);
//   - step 1c: y -> i only when y follows a consonant that is not the first letter;
//   - step 2: "alli" is tried first and the result stemmed by step 2 again; "bli" -> "ble"
//     (not "abli"); extra "fulli" -> "ful" and "logi" -> "log" (condition on the word minus "ogi");
//   - *o also holds for a 2-letter word vowel+consonant.
// Checked word by word against nltk on the fixture corpus (tests/reference/metrics/rouge.json).
#pragma once
#include <string>

namespace lethe {

// Stems one word. The word is lowercased first (ASCII only: rouge_score hands in tokens that
// are already [a-z0-9]+). Returns the stem exactly as nltk's PorterStemmer().stem(word).
std::string porter_stem(const std::string& word);

}  // namespace lethe
