// includes: files that add links and devices, relative paths, second definitions, cycles.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace hearth::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(ConfigTest, IncludedFilesAddLinksAndDevicesRelativeToTheIncludingFile) {
  write("main.yaml", std::string("includes: [links.yaml, devices/inverters.yaml]\n") + kSite);
  write("links.yaml", "links:\n  bus: { type: rtu, device: /dev/ttyS1 }\n");
  // pumps.yaml is next to inverters.yaml, not next to main.yaml.
  write("devices/inverters.yaml", R"(includes: [pumps.yaml]
devices:
  - { id: inv-1, driver: huawei-sun2000, link: bus, unit: 1 }
)");
  write("devices/pumps.yaml", "devices:\n  - { id: hp, driver: sg-ready, hal: { do: [DO1] } }\n");

  const auto result = load("main.yaml");
  ASSERT_THAT(messages(result), IsEmpty());
  EXPECT_EQ(result.config.files,
            (std::vector<std::string>{path("main.yaml"), path("links.yaml"),
                                      path("devices/inverters.yaml"), path("devices/pumps.yaml")}));
  ASSERT_EQ(result.config.devices.size(), 2u);
  EXPECT_EQ(result.config.devices[0].id, "inv-1");
  EXPECT_EQ(result.config.devices[0].link, "bus");
  EXPECT_EQ(result.config.devices[0].mark.file, path("devices/inverters.yaml"));
  EXPECT_EQ(result.config.devices[1].id, "hp");
  EXPECT_EQ(result.config.devices[1].mark.file, path("devices/pumps.yaml"));
}

TEST_F(ConfigTest, ErrorsNameTheIncludedFileTheyAreIn) {
  write("main.yaml", std::string("includes: [more.yaml]\n") + kSite);
  write("more.yaml", "devices:\n  - { id: m, driver: dtsu666, params: { phases: 4 } }\n");
  EXPECT_THAT(
      messages(load("main.yaml")),
      ElementsAre(at(2, 49, "devices[m].params.phases: 4 is above the maximum of 3", "more.yaml")));
}

TEST_F(ConfigTest, SyntaxErrorInAnIncludedFileNamesThatFile) {
  write("main.yaml", std::string("includes: [broken.yaml]\n") + kSite);
  write("broken.yaml", "devices:\n  - { id: x\n");
  const auto errors = messages(load("main.yaml"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind(path("broken.yaml") + ":3:1: ", 0), 0u) << errors[0];
}

TEST_F(ConfigTest, SecondDefinitionOfASectionNamesBothPlaces) {
  write("main.yaml", std::string("includes: [other.yaml]\nenergy: { mode: tou }\n") + kSite);
  write("other.yaml", std::string("energy:\n  mode: self-consumption\n") + kSite);
  EXPECT_THAT(messages(load("main.yaml")),
              ElementsAre(at(1, 1,
                             "energy: defined a second time; the first definition is at " +
                                 path("main.yaml") + ":2:1",
                             "other.yaml"),
                          at(3, 1,
                             "site: defined a second time; the first definition is at " +
                                 path("main.yaml") + ":3:1",
                             "other.yaml")));
}

TEST_F(ConfigTest, LinkDefinedInTwoFilesNamesTheFirst) {
  write("main.yaml",
        std::string("includes: [links.yaml]\nlinks:\n  bus: { type: rtu, device: /dev/ttyS1 }\n") +
            kSite);
  write("links.yaml", "links:\n  bus: { type: rtu, device: /dev/ttyS2 }\n");
  EXPECT_THAT(messages(load("main.yaml")),
              ElementsAre(at(
                  2, 3, "links.bus: link 'bus' is already defined at " + path("main.yaml") + ":3:3",
                  "links.yaml")));
}

TEST_F(ConfigTest, IncludeCycleIsAnError) {
  write("main.yaml", std::string("includes: [a.yaml]\n") + kSite);
  write("a.yaml", "includes: [sub/b.yaml]\n");
  write("sub/b.yaml", "includes: [../a.yaml]\n");
  EXPECT_THAT(messages(load("main.yaml")),
              ElementsAre(at(1, 12,
                             "includes: include cycle: " + path("a.yaml") + " -> " +
                                 path("sub/b.yaml") + " -> " + path("a.yaml"),
                             "sub/b.yaml")));
  write("main.yaml", std::string("includes: [main.yaml]\n") + kSite);
  EXPECT_THAT(
      messages(load("main.yaml")),
      ElementsAre(
          at(1, 12, "includes: include cycle: " + path("main.yaml") + " -> " + path("main.yaml"))));
}

TEST_F(ConfigTest, FileIncludedTwiceIsAnError) {
  write("main.yaml", std::string("includes: [a.yaml, ./a.yaml]\n") + kSite);
  write("a.yaml", "devices: []\n");
  EXPECT_THAT(messages(load("main.yaml")),
              ElementsAre(at(1, 20,
                             "includes: '" + path("a.yaml") + "' is already included (at " +
                                 path("main.yaml") + ":1:12)")));
}

TEST_F(ConfigTest, MissingIncludedFileIsReportedWhereItIsIncluded) {
  write("main.yaml", std::string("includes: [nope.yaml]\n") + kSite);
  EXPECT_THAT(
      messages(load("main.yaml")),
      ElementsAre(at(
          1, 12, "includes: cannot read '" + path("nope.yaml") + "': No such file or directory")));
}

}  // namespace
}  // namespace hearth::config::testing
