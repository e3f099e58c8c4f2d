#include <gtest/gtest.h>

#include <hearth/store/settings_store.hpp>

#include "temp_dir.hpp"

namespace hearth::store {
namespace {

using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;
const std::string kFeedIn = "grid.feed_in_limit_w";
const std::string kEvMode = "ev.mode";

const std::map<std::string, std::string> kYaml = {{kFeedIn, "5000"}, {kEvMode, "pv_surplus"}};

void register_rules(SettingsStore &settings) {
  settings.register_key(kFeedIn, {.installer_only = true, .validate = nullptr});
  settings.register_key(kEvMode,
                        {.installer_only = false,
                         .validate = [](std::string_view text) -> std::optional<std::string> {
                           if (text == "pv_surplus" || text == "fast") return std::nullopt;
                           return "must be pv_surplus or fast";
                         }});
}

class SettingsStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::filesystem::path path_ = dir_.file("settings.db");
};

TEST_F(SettingsStoreTest, BaselineValuesComeFromConfig) {
  Database db(path_);
  SettingsStore settings(db);
  settings.set_baseline(kYaml, kT0);
  const auto value = settings.get(kFeedIn);
  ASSERT_TRUE(value);
  EXPECT_EQ(value->value_text, "5000");
  EXPECT_EQ(value->source, SettingSource::baseline);
  EXPECT_EQ(value->author, "config");
  EXPECT_EQ(value->changed_wall_ms, kT0);
  EXPECT_FALSE(settings.get("no.such.key"));
  EXPECT_EQ(settings.keys(), (std::vector<std::string>{kEvMode, kFeedIn}));
}

TEST_F(SettingsStoreTest, OverrideCarriesAuthorRoleAndTime) {
  Database db(path_);
  SettingsStore settings(db);
  register_rules(settings);
  settings.set_baseline(kYaml, kT0);
  ASSERT_TRUE(settings.set_override(kEvMode, "fast", "alice", SettingRole::owner, kT0 + 5));
  const auto value = settings.get(kEvMode);
  ASSERT_TRUE(value);
  EXPECT_EQ(value->value_text, "fast");
  EXPECT_EQ(value->source, SettingSource::override_value);
  EXPECT_EQ(value->author, "alice");
  EXPECT_EQ(value->role, SettingRole::owner);
  EXPECT_EQ(value->changed_wall_ms, kT0 + 5);

  ASSERT_TRUE(settings.clear_override(kEvMode, "alice", SettingRole::owner, kT0 + 6));
  EXPECT_EQ(settings.get(kEvMode)->value_text, "pv_surplus");
  EXPECT_EQ(settings.get(kEvMode)->source, SettingSource::baseline);
}

TEST_F(SettingsStoreTest, OwnerMayNotChangeAnInstallerOnlyKey) {
  Database db(path_);
  SettingsStore settings(db);
  register_rules(settings);
  settings.set_baseline(kYaml, kT0);
  const SettingResult refused =
      settings.set_override(kFeedIn, "99999", "alice", SettingRole::owner, kT0 + 1);
  EXPECT_FALSE(refused);
  EXPECT_NE(refused.message.find("installer-only"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("alice"), std::string::npos) << refused.message;
  EXPECT_EQ(settings.get(kFeedIn)->value_text, "5000");
  EXPECT_EQ(settings.refused_count(), 1u);
  const auto trail = settings.audit(kFeedIn);
  ASSERT_FALSE(trail.empty());
  EXPECT_EQ(trail.front().action, "refused");
  EXPECT_EQ(trail.front().author, "alice");
  EXPECT_EQ(trail.front().new_value, "99999");

  EXPECT_TRUE(settings.set_override(kFeedIn, "4000", "ivan", SettingRole::installer, kT0 + 2));
  EXPECT_EQ(settings.get(kFeedIn)->value_text, "4000");
  EXPECT_FALSE(settings.clear_override(kFeedIn, "alice", SettingRole::owner, kT0 + 3));
  EXPECT_EQ(settings.get(kFeedIn)->value_text, "4000");
}

TEST_F(SettingsStoreTest, RefusesUnknownKeysMissingAuthorsAndInvalidValues) {
  Database db(path_);
  SettingsStore settings(db);
  register_rules(settings);
  settings.set_baseline(kYaml, kT0);
  const auto unknown = settings.set_override("grid.typo", "1", "ivan", SettingRole::installer, kT0);
  EXPECT_NE(unknown.message.find("unknown setting 'grid.typo'"), std::string::npos);
  EXPECT_FALSE(settings.set_override(kEvMode, "fast", "", SettingRole::owner, kT0));
  const auto invalid = settings.set_override(kEvMode, "turbo", "alice", SettingRole::owner, kT0);
  EXPECT_NE(invalid.message.find("must be pv_surplus or fast"), std::string::npos);
  EXPECT_FALSE(settings.clear_override(kEvMode, "alice", SettingRole::owner, kT0));
  EXPECT_EQ(settings.refused_count(), 4u);
  EXPECT_EQ(settings.get(kEvMode)->source, SettingSource::baseline);
}

TEST_F(SettingsStoreTest, OverrideIsDroppedWhenItsBaselineChanges) {
  Database db(path_);
  SettingsStore settings(db);
  register_rules(settings);
  settings.set_baseline(kYaml, kT0);
  ASSERT_TRUE(settings.set_override(kEvMode, "fast", "alice", SettingRole::owner, kT0 + 1));
  ASSERT_TRUE(settings.set_override(kFeedIn, "4000", "ivan", SettingRole::installer, kT0 + 1));

  // A reload with the same YAML keeps both overrides.
  EXPECT_TRUE(settings.set_baseline(kYaml, kT0 + 2).empty());
  EXPECT_EQ(settings.get(kEvMode)->value_text, "fast");

  auto edited = kYaml;
  edited[kFeedIn] = "6000";
  EXPECT_EQ(settings.set_baseline(edited, kT0 + 3), std::vector<std::string>{kFeedIn});
  EXPECT_EQ(settings.get(kFeedIn)->value_text, "6000");
  EXPECT_EQ(settings.get(kFeedIn)->source, SettingSource::baseline);
  EXPECT_EQ(settings.get(kEvMode)->value_text, "fast");  // its baseline did not change

  const auto trail = settings.audit(kFeedIn);
  ASSERT_GE(trail.size(), 2u);
  EXPECT_EQ(trail[0].action, "dropped");
  EXPECT_EQ(trail[0].old_value, "4000");
  EXPECT_EQ(trail[0].new_value, "6000");
  EXPECT_NE(trail[0].note.find("ivan"), std::string::npos) << trail[0].note;
  EXPECT_EQ(trail[1].action, "baseline");
  EXPECT_EQ(trail[1].old_value, "5000");
  EXPECT_EQ(trail[1].new_value, "6000");
}

TEST_F(SettingsStoreTest, RemovingAKeyFromTheYamlDropsItsOverride) {
  Database db(path_);
  SettingsStore settings(db);
  register_rules(settings);
  settings.set_baseline(kYaml, kT0);
  ASSERT_TRUE(settings.set_override(kEvMode, "fast", "alice", SettingRole::owner, kT0 + 1));
  EXPECT_EQ(settings.set_baseline({{kFeedIn, "5000"}}, kT0 + 2), std::vector<std::string>{kEvMode});
  EXPECT_FALSE(settings.get(kEvMode));
}

TEST_F(SettingsStoreTest, AuditTrailRecordsEveryChangeNewestFirst) {
  Database db(path_);
  SettingsStore settings(db);
  register_rules(settings);
  settings.set_baseline(kYaml, kT0);
  settings.set_override(kEvMode, "fast", "alice", SettingRole::owner, kT0 + 10);
  settings.set_override(kEvMode, "pv_surplus", "bob", SettingRole::owner, kT0 + 20);
  settings.clear_override(kEvMode, "alice", SettingRole::owner, kT0 + 30);
  const auto trail = settings.audit(kEvMode);
  ASSERT_EQ(trail.size(), 4u);
  EXPECT_EQ(trail[0].action, "clear");
  EXPECT_EQ(trail[0].author, "alice");
  EXPECT_EQ(trail[0].wall_ms, kT0 + 30);
  EXPECT_EQ(trail[0].old_value, "pv_surplus");
  EXPECT_EQ(trail[1].action, "override");
  EXPECT_EQ(trail[1].author, "bob");
  EXPECT_EQ(trail[1].old_value, "fast");
  EXPECT_EQ(trail[1].new_value, "pv_surplus");
  EXPECT_EQ(trail[2].action, "override");
  EXPECT_EQ(trail[2].old_value, "pv_surplus");
  EXPECT_EQ(trail[2].new_value, "fast");
  EXPECT_EQ(trail[2].role, "owner");
  EXPECT_EQ(trail[3].action, "baseline");
  EXPECT_FALSE(trail[3].old_value);
  EXPECT_EQ(settings.audit({}, 2).size(), 2u);
}

TEST_F(SettingsStoreTest, OverridesAndBaselinePersistAcrossReopen) {
  {
    Database db(path_);
    SettingsStore settings(db);
    register_rules(settings);
    settings.set_baseline(kYaml, kT0);
    ASSERT_TRUE(settings.set_override(kFeedIn, "4000", "ivan", SettingRole::installer, kT0 + 1));
  }
  {
    Database db(path_);
    SettingsStore settings(db);
    const auto value = settings.get(kFeedIn);
    ASSERT_TRUE(value);
    EXPECT_EQ(value->value_text, "4000");
    EXPECT_EQ(value->author, "ivan");
    EXPECT_EQ(value->role, SettingRole::installer);
    EXPECT_EQ(value->changed_wall_ms, kT0 + 1);
    // The YAML was edited while the box was off: the reload after start drops the override.
    auto edited = kYaml;
    edited[kFeedIn] = "3000";
    EXPECT_EQ(settings.set_baseline(edited, kT0 + 100), std::vector<std::string>{kFeedIn});
  }
  Database db(path_);
  SettingsStore settings(db);
  EXPECT_EQ(settings.get(kFeedIn)->value_text, "3000");
  EXPECT_EQ(settings.get(kFeedIn)->source, SettingSource::baseline);
  EXPECT_EQ(settings.audit(kFeedIn).front().action, "dropped");
}

}  // namespace
}  // namespace hearth::store
