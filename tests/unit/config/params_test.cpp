// validate_params: one `params:` map against a driver's parameter table (plugin.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_catalog.hpp"

namespace hearth::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Checked {
  std::map<std::string, ParamValue> values;
  std::vector<std::string> errors;
};

Checked check(const std::string &yaml, const char *driver_name) {
  Checked checked;
  std::vector<Error> errors;
  validate_params(YAML::Load(yaml), driver_named(driver_name), "p.yaml", checked.values, errors);
  for (const auto &error : errors) checked.errors.push_back(error.to_string());
  return checked;
}

TEST(ValidateParams, FillsEveryDefaultFromTheTable) {
  const auto checked = check("{}", "huawei-sun2000");
  EXPECT_THAT(checked.errors, IsEmpty());
  EXPECT_EQ(std::get<double>(checked.values.at("rated_w")), 10000.0);
  EXPECT_EQ(std::get<int64_t>(checked.values.at("poll_interval")), 1000);
  EXPECT_EQ(std::get<bool>(checked.values.at("has_battery")), false);
  EXPECT_EQ(std::get<std::string>(checked.values.at("grid_code")), "vde4105");
  EXPECT_FALSE(checked.values.contains("model"));  // no default, not given
  const auto ocpp = check("{ charge_point_id: WB1 }", "ocpp16");
  EXPECT_THAT(ocpp.errors, IsEmpty());
  EXPECT_EQ(std::get<std::vector<std::string>>(ocpp.values.at("id_tags")),
            std::vector<std::string>{});
}

TEST(ValidateParams, GivenValuesOverrideDefaultsWithTheirTypes) {
  const auto checked = check(
      "rated_w: 5000\npoll_interval: 250ms\nhas_battery: yes\ngrid_code: g99\nmodel: SUN2000-5KTL",
      "huawei-sun2000");
  EXPECT_THAT(checked.errors, IsEmpty());
  EXPECT_EQ(std::get<double>(checked.values.at("rated_w")), 5000.0);
  EXPECT_EQ(std::get<int64_t>(checked.values.at("poll_interval")), 250);
  EXPECT_EQ(std::get<bool>(checked.values.at("has_battery")), true);
  EXPECT_EQ(std::get<std::string>(checked.values.at("grid_code")), "g99");
  EXPECT_EQ(std::get<std::string>(checked.values.at("model")), "SUN2000-5KTL");
}

TEST(ValidateParams, DurationsInEveryUnitBecomeMilliseconds) {
  const std::pair<const char *, int64_t> cases[] = {
      {"250ms", 250}, {"1.5s", 1500}, {"10min", 600'000}, {"2h", 7'200'000}};
  for (const auto &[text, ms] : cases) {
    const auto checked = check(std::string("poll_interval: ") + text, "huawei-sun2000");
    EXPECT_THAT(checked.errors, IsEmpty()) << text;
    EXPECT_EQ(std::get<int64_t>(checked.values.at("poll_interval")), ms) << text;
  }
}

TEST(ValidateParams, DurationWithoutUnitOrBelowMinimumIsRefused) {
  EXPECT_THAT(check("poll_interval: 10", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:16: params.poll_interval: '10' is not a duration; write a "
                          "number and a unit: 250ms, 1.5s, 10min, 2h"));
  EXPECT_THAT(check("poll_interval: 50ms", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:16: params.poll_interval: 50ms is below the minimum of 100ms"));
  EXPECT_THAT(check("poll_interval: 2.5h", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:16: params.poll_interval: 150min is above the maximum of 2h"));
}

TEST(ValidateParams, WrongTypesNameWhatWasExpected) {
  EXPECT_THAT(check("rated_w: lots", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:10: params.rated_w: expected a number, got 'lots'"));
  EXPECT_THAT(check("phases: 2.5", "dtsu666").errors,
              ElementsAre("p.yaml:1:9: params.phases: expected a whole number, got '2.5'"));
  EXPECT_THAT(check("has_battery: maybe", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:14: params.has_battery: expected true or false, got 'maybe'"));
  EXPECT_THAT(check("model: { a: 1 }", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:8: params.model: expected a text value, got a map"));
  EXPECT_THAT(check("charge_point_id: WB1\nid_tags: abc", "ocpp16").errors,
              ElementsAre("p.yaml:2:10: params.id_tags: expected a list, got 'abc'"));
  EXPECT_THAT(check("model:", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:1: params.model: no value given; expected a text value"));
}

TEST(ValidateParams, NumbersAreReadStrictly) {
  EXPECT_EQ(std::get<int64_t>(check("phases: +2", "dtsu666").values.at("phases")), 2);
  EXPECT_EQ(std::get<double>(check("rated_w: 1.5e3", "huawei-sun2000").values.at("rated_w")),
            1500.0);
  for (const char *text : {"+-2", "2x", "0x2", " ", "nan"}) {
    EXPECT_EQ(check(std::string("phases: \"") + text + "\"", "dtsu666").errors.size(), 1u) << text;
  }
  for (const char *text : {".inf", "nan", "1,5"}) {
    EXPECT_EQ(check(std::string("rated_w: ") + text, "huawei-sun2000").errors.size(), 1u) << text;
  }
}

TEST(ValidateParams, OutOfRangeValuesNameTheLimitAndUnit) {
  EXPECT_THAT(check("charge_point_id: WB1\nmax_current_a: 40", "ocpp16").errors,
              ElementsAre("p.yaml:2:16: params.max_current_a: 40 A is above the maximum of 32 A"));
  EXPECT_THAT(check("charge_point_id: WB1\nmax_current_a: 5.5", "ocpp16").errors,
              ElementsAre("p.yaml:2:16: params.max_current_a: 5.5 A is below the minimum of 6 A"));
  EXPECT_THAT(check("phases: 0", "dtsu666").errors,
              ElementsAre("p.yaml:1:9: params.phases: 0 is below the minimum of 1"));
  EXPECT_THAT(check("charge_point_id: WB1\nid_tags: [a, b, c]", "ocpp16").errors,
              ElementsAre("p.yaml:2:10: params.id_tags: has 3 items; at most 2 allowed"));
}

TEST(ValidateParams, BadEnumValueListsTheChoices) {
  EXPECT_THAT(check("grid_code: vde", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:12: params.grid_code: 'vde' is not one of: vde4105, g98, g99"));
}

TEST(ValidateParams, UnknownKeySuggestsTheNearestOrListsTheKnownOnes) {
  EXPECT_THAT(check("rated_ww: 5000", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:1: params: unknown key 'rated_ww'; did you mean 'rated_w'?"));
  EXPECT_THAT(check("colour: red", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:1: params: unknown key 'colour'; known keys: rated_w, "
                          "poll_interval, has_battery, grid_code, model"));
}

TEST(ValidateParams, MissingRequiredKeyIsReportedAtTheMapOrTheFile) {
  EXPECT_THAT(check("\n  phases: 1", "ocpp16").errors,
              ElementsAre("p.yaml:2:3: params: missing required key 'charge_point_id'"));
  std::map<std::string, ParamValue> values;
  std::vector<Error> errors;
  validate_params(YAML::Node(), driver_named("ocpp16"), "p.yaml", values, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "p.yaml: params: missing required key 'charge_point_id'");
  EXPECT_EQ(std::get<double>(values.at("max_current_a")), 16.0);  // defaults still filled
}

TEST(ValidateParams, CollectsEveryErrorOfTheMap) {
  EXPECT_THAT(check("rated_w: -1\ngrid_code: x\nbogus: 1\nmodel: [a]", "huawei-sun2000").errors,
              ElementsAre("p.yaml:1:10: params.rated_w: -1 W is below the minimum of 0 W",
                          "p.yaml:2:12: params.grid_code: 'x' is not one of: vde4105, g98, g99",
                          "p.yaml:3:1: params: unknown key 'bogus'; known keys: rated_w, "
                          "poll_interval, has_battery, grid_code, model",
                          "p.yaml:4:8: params.model: expected a text value, got a list"));
}

TEST(ValidateParams, RepeatedKeyIsAnError) {
  EXPECT_THAT(check("phases: 1\nphases: 3", "dtsu666").errors,
              ElementsAre("p.yaml:2:1: params: duplicate key 'phases' (first at p.yaml:1:1)"));
}

// plugin.h: arrays of growing structs are stepped by the struct_size of their first element, so
// a plugin built against a newer header (with fields appended) is read correctly.
TEST(ValidateParams, StepsThroughTheTableByTheFirstElementsStructSize) {
  struct NewerParam {
    hearth_param_desc known;
    const char *appended_field;
  };
  NewerParam newer[2] = {
      {param(HEARTH_PARAM_INT, "first", "1"), "x"},
      {param(HEARTH_PARAM_STRING, "second", nullptr, HEARTH_PARAM_REQUIRED), "y"}};
  for (auto &p : newer) p.known.struct_size = sizeof(NewerParam);
  hearth_driver_desc desc = driver("newer", "grid_meter", &newer[0].known, 2);

  std::map<std::string, ParamValue> values;
  std::vector<Error> errors;
  validate_params(YAML::Load("second: hello"), desc, "p.yaml", values, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(std::get<int64_t>(values.at("first")), 1);
  EXPECT_EQ(std::get<std::string>(values.at("second")), "hello");
}

}  // namespace
}  // namespace hearth::config::testing

namespace hearth::config::testing {
namespace {

TEST(DriverTable, FindsDriversByNameAndRefusesASecondOfTheSameName) {
  DriverTable table;
  EXPECT_TRUE(table.add(&driver_named("dtsu666"), "meters"));
  EXPECT_FALSE(table.add(&driver_named("dtsu666"), "other-plugin"));
  EXPECT_FALSE(table.add(nullptr, "x"));
  EXPECT_EQ(table.find("dtsu666"), &driver_named("dtsu666"));
  EXPECT_EQ(table.find("dtsu"), nullptr);
  ASSERT_NE(table.info("dtsu666"), nullptr);
  EXPECT_EQ(table.info("dtsu666")->plugin_id, "meters");
  EXPECT_EQ(table.driver_names(), std::vector<std::string>{"dtsu666"});
}

}  // namespace
}  // namespace hearth::config::testing
