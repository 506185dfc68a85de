// The demo's data generator: deterministic, disjoint people, every answer stated in the biography.
#include <gtest/gtest.h>

#include <set>

#include "lethe/core/files.h"
#include "lethe/demo/biographies.h"
#include "test_paths.h"

using namespace lethe::demo;

TEST(Biographies, DeterministicAndDisjoint) {
  auto a = make_biographies({}), b = make_biographies({});
  ASSERT_EQ(a.forget.size(), 8u);
  EXPECT_EQ(a.forget[3].biography, b.forget[3].biography);
  auto c = make_biographies({8, 32, 8, 7});
  EXPECT_NE(a.forget[0].biography, c.forget[0].biography);
  std::set<std::string> names;
  for (const auto* group : {&a.forget, &a.retain, &a.holdout})
    for (const auto& p : *group) EXPECT_TRUE(names.insert(p.name).second) << p.name;
}

TEST(Biographies, EveryAnswerIsInTheTextAndAmongTheChoices) {
  auto s = make_biographies({});
  for (const auto& p : s.retain)
    for (const auto& f : p.facts) {
      EXPECT_NE(p.biography.find(f.answer), std::string::npos) << f.question;
      ASSERT_EQ(f.choices.size(), 4u);
      EXPECT_EQ(f.choices[f.answer_index], f.answer);
      EXPECT_EQ(std::set<std::string>(f.choices.begin(), f.choices.end()).size(), 4u);
    }
}

TEST(Biographies, WritesMuseLayout) {
  const std::string dir = lethe::testing::scratch_dir();
  write_biographies(make_biographies({}), dir);
  auto qa = lethe::read_json_file(dir + "/knowmem/forget_qa.json");
  EXPECT_EQ(qa.size(), 8u * 7);
  auto verb = lethe::read_json_file(dir + "/verbmem/forget.json");
  ASSERT_EQ(verb.size(), 8u);
  EXPECT_EQ(verb[0]["prompt"].get<std::string>() + verb[0]["gt"].get<std::string>(),
            lethe::read_json_file(dir + "/privleak/forget.json")[0].get<std::string>());
  EXPECT_EQ(lethe::read_json_file(dir + "/mc/retain.json")[0]["choices"].size(), 4u);
}
