// Porter stemmer against nltk's PorterStemmer() (tests/reference/metrics/stem.json).
#include <gtest/gtest.h>

#include "lethe/metrics/porter_stemmer.h"
#include "metrics_fixtures.h"

namespace lethe {
namespace {

TEST(PorterStemmer, MatchesNltkOnCorpus) {
  const json data = testing::load_fixture("stem.json");
  const auto words = data.at("words").get<std::vector<std::string>>();
  const auto stems = data.at("stems").get<std::vector<std::string>>();
  ASSERT_EQ(words.size(), stems.size());
  int wrong = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string got = porter_stem(words[i]);
    if (got != stems[i] && ++wrong <= 25)
      ADD_FAILURE() << "word '" << words[i] << "': got '" << got << "' want '" << stems[i] << "'";
  }
  std::printf("[ metrics  ] porter: %zu words compared, %d differ\n", words.size(), wrong);
  EXPECT_EQ(wrong, 0);
  EXPECT_GE(words.size(), 1000u);
}

// Examples from Porter's paper and NLTK's extensions, checked by hand against porter.py.
TEST(PorterStemmer, PaperExamples) {
  EXPECT_EQ(porter_stem("caresses"), "caress");
  EXPECT_EQ(porter_stem("ponies"), "poni");
  EXPECT_EQ(porter_stem("dies"), "die");        // NLTK: 4-letter "ies" -> "ie"
  EXPECT_EQ(porter_stem("relational"), "relat");
  EXPECT_EQ(porter_stem("hopping"), "hop");
  EXPECT_EQ(porter_stem("filing"), "file");
  EXPECT_EQ(porter_stem("skies"), "sky");        // irregular form
  EXPECT_EQ(porter_stem("enjoy"), "enjoy");      // NLTK y->i only after a consonant
  EXPECT_EQ(porter_stem("Running"), "run");      // lowercased first
  EXPECT_EQ(porter_stem("at"), "at");            // 1-2 letters untouched
}

}  // namespace
}  // namespace lethe
