// Odd documents of every shape: each gives errors (never an exception or a crash).
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace hearth::config::testing {
namespace {

class OddDocumentTest : public ConfigTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(OddDocumentTest, IsRefusedWithErrors) {
  write("main.yaml", GetParam());
  LoadResult result;
  ASSERT_NO_THROW(result = load("main.yaml"));
  EXPECT_FALSE(result.ok());
  for (const auto &error : result.errors) {
    EXPECT_EQ(error.mark.file, path("main.yaml"));
    EXPECT_FALSE(error.rule.empty());
  }
}

std::string with_site(const std::string &text) {
  return text + kSite;
}

const std::string kOdd[] = {
    "site: []\n",
    "site: 5\n",
    "site:\n",
    "- a\n- b\n",
    "just text\n",
    "? [a]\n: 1\n",
    "\t- tab\n",
    "site: { name: \"\\xff\\xfe\" }\n",
    with_site("links: 5\n"),
    with_site("links: [a]\n"),
    with_site("links:\n  a: 5\n"),
    with_site("links:\n  a: { type: [x] }\n"),
    with_site("links:\n  a:\n"),
    with_site("devices: { a: 1 }\n"),
    with_site("devices: [[1]]\n"),
    with_site("devices: [{ id: [a], driver: { x: 1 } }]\n"),
    with_site("devices: [{ id: a, driver: dtsu666, params: 5 }]\n"),
    with_site("devices: [{ id: a, driver: dtsu666, params: [1] }]\n"),
    with_site("devices: [{ id: a, driver: dtsu666, hal: 5 }]\n"),
    with_site("devices: [{ id: a, driver: dtsu666, hal: { do: DO1 } }]\n"),
    with_site("devices: [{ id: a, driver: dtsu666, hal: { do: [[DO1]] } }]\n"),
    with_site("devices: [{ id: a, driver: dtsu666, unit: [1] }]\n"),
    with_site("devices: [{ id: a, driver: dtsu666, link: [x], unit: 1 }]\n"),
    with_site("devices: [{}]\n"),
    with_site("devices: [~]\n"),
    with_site("energy: 5\n"),
    with_site("energy: []\n"),
    with_site("energy: { ripple_control: 5 }\n"),
    with_site("energy: { ripple_control: { inputs: 5, levels: [1] } }\n"),
    with_site("energy: { ripple_control: { inputs: [DI1], levels: { [1]: 5 } } }\n"),
    with_site("energy: { ripple_control: { inputs: [DI1], levels: {} } }\n"),
    with_site("energy: { ripple_control: { inputs: [[DI1]], levels: { \"1\": 5 } } }\n"),
    with_site("energy: { import_limit: 5 }\n"),
    with_site("energy: { import_limit: { w: 1, hours: [a] } }\n"),
    with_site("energy: { surplus_priority: 5 }\n"),
    with_site("energy: { surplus_priority: [[a]] }\n"),
    with_site("energy: { fail_safe: 5 }\n"),
    with_site("energy: { mode: ~ }\n"),
    with_site("includes: 5\n"),
    with_site("includes: [[a]]\n"),
    with_site("includes: ['']\n"),
    with_site("includes: [/]\n"),
    with_site("state_dir: []\n"),
    with_site("plugin_path: 5\n"),
    with_site("plugin_path: [[]]\n"),
    with_site("hal: []\n"),
    with_site("hal: { backend: [] }\n"),
    with_site("hal: { backend: }\n"),
    with_site("<<: { hal: sim }\n"),
};

INSTANTIATE_TEST_SUITE_P(Shapes, OddDocumentTest, ::testing::ValuesIn(kOdd));

TEST_F(ConfigTest, AnchorsAndAliasesAreFollowed) {
  write("main.yaml", std::string(R"(links:
  a: &rtu { type: rtu, device: /dev/ttyS1 }
  b: *rtu
devices:
  - { id: m1, driver: dtsu666, link: a, unit: 1 }
  - { id: m2, driver: dtsu666, link: b, unit: 1 }
)") + kSite);
  const auto result = load("main.yaml");
  EXPECT_TRUE(result.ok()) << format_errors(result.errors);
  EXPECT_EQ(result.config.links.size(), 2u);
}

}  // namespace
}  // namespace hearth::config::testing
