#include <filesystem>

#include "param_builder.hpp"
#include "sections.hpp"
#include "table.hpp"

namespace hearth::config::detail {
namespace {

constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo";

constexpr hearth_param_desc kSiteTable[] = {
    Param(HEARTH_PARAM_STRING, "name").required(),
    Param(HEARTH_PARAM_ENUM, "grid")
        .required()
        .choices("single-phase|three-phase-3w|three-phase-4w"),
    // From the smallest house fuse to what external CTs (N × 50 A primary) measure.
    Param(HEARTH_PARAM_DOUBLE, "fuse_a").required().range(6, 1000).unit("A"),
    Param(HEARTH_PARAM_DOUBLE, "pv_installed_wp").range(0, 1'000'000).fallback("0").unit("Wp"),
    // ntp: the wall clock counts only once the kernel reports it synchronised (a board without
    // a battery-backed clock boots in 1970); rtc: a battery-backed clock is trusted from boot.
    Param(HEARTH_PARAM_ENUM, "clock").choices("ntp|rtc").fallback("ntp"),
};

constexpr hearth_param_desc kLocationTable[] = {
    Param(HEARTH_PARAM_DOUBLE, "lat").required().range(-90, 90),
    Param(HEARTH_PARAM_DOUBLE, "lon").required().range(-180, 180),
    Param(HEARTH_PARAM_STRING, "timezone").required(),
};

constexpr std::string_view kSiteNested[] = {"location"};

// Checked against the system's tz database when there is one (TOU windows need the zone).
bool is_known_zone(const std::string &zone) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(kZoneInfoDir, ec)) return true;
  if (zone.empty() || zone.front() == '/' || zone.find("..") != std::string::npos) return false;
  return fs::is_regular_file(fs::path(kZoneInfoDir) / zone, ec);
}

void check_location(const Entry *location, const Located &site, SiteConfig &config,
                    std::vector<Error> &errors) {
  if (location == nullptr) {
    add_error(errors, site.mark, site.path, "missing required key 'location'");
    return;
  }
  Values values;
  check_table(location->value, kLocationTable, {}, values, errors);
  config.lat = double_or(values, "lat", 0);
  config.lon = double_or(values, "lon", 0);
  config.timezone = string_or(values, "timezone", "");
  if (values.contains("timezone") && !is_known_zone(config.timezone)) {
    const YAML::Node zone = location->value.node["timezone"];
    add_error(
        errors, mark_of(zone, location->value.file), join_path(location->value.path, "timezone"),
        "unknown time zone '" + config.timezone + "' (not in " + std::string(kZoneInfoDir) + ")");
  }
}

}  // namespace

SiteConfig check_site(const Sources &sources, std::vector<Error> &errors) {
  SiteConfig site;
  const Entry *section = sources.section("site");
  if (section == nullptr) {
    add_error(errors, sources.top, "", "missing required key 'site'");
    return site;
  }
  Values values;
  auto nested = check_table(section->value, kSiteTable, kSiteNested, values, errors);
  site.name = string_or(values, "name", "");
  site.grid = string_or(values, "grid", "");
  site.fuse_a = double_or(values, "fuse_a", 0);
  site.pv_installed_wp = double_or(values, "pv_installed_wp", 0);
  site.clock_needs_ntp = string_or(values, "clock", "ntp") == "ntp";
  if (section->value.node.IsMap() || section->value.node.IsNull()) {
    auto location = nested.find("location");
    check_location(location == nested.end() ? nullptr : &location->second, section->value, site,
                   errors);
  }
  return site;
}

}  // namespace hearth::config::detail
