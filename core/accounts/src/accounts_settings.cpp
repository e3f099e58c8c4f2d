#include <yaml-cpp/yaml.h>

#include <hearth/accounts/accounts_settings.hpp>
#include <stdexcept>

namespace hearth::accounts {

namespace {

[[noreturn]] void fail(const std::filesystem::path &file, const YAML::Node &node,
                       const std::string &key, const std::string &problem) {
  throw std::runtime_error(file.string() + ":" + std::to_string(node.Mark().line + 1) + ": " + key +
                           ": " + problem);
}

int64_t number(const std::filesystem::path &file, const YAML::Node &node, const std::string &key,
               int64_t min, int64_t max) {
  int64_t value = 0;
  if (!YAML::convert<int64_t>::decode(node, value) || value < min || value > max) {
    fail(file, node, key,
         "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

std::vector<IpNetwork> subnets(const std::filesystem::path &file, const YAML::Node &node) {
  if (!node.IsSequence()) fail(file, node, "access_point_subnets", "expected a list of subnets");
  std::vector<IpNetwork> networks;
  for (const auto &item : node) {
    const auto network = item.IsScalar() ? IpNetwork::parse(item.Scalar()) : std::nullopt;
    if (!network) {
      fail(file, item, "access_point_subnets",
           "expected a subnet such as 192.168.8.0/24 (no host bits), got '" +
               (item.IsScalar() ? item.Scalar() : std::string("?")) + "'");
    }
    networks.push_back(*network);
  }
  return networks;
}

}  // namespace

AccountsSettings load_accounts_settings(const std::filesystem::path &file) {
  AccountsSettings settings;
  if (!std::filesystem::exists(file)) return settings;
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception &error) {
    throw std::runtime_error(file.string() + ":" + std::to_string(error.mark.line + 1) + ": " +
                             error.msg);
  }
  if (root.IsNull()) return settings;
  if (!root.IsMap()) fail(file, root, "(top)", "expected a map of settings");
  constexpr int64_t kDay = 24 * 60 * 60;
  for (const auto &entry : root) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node &value = entry.second;
    if (key == "access_point_subnets") {
      settings.access_point_subnets = subnets(file, value);
    } else if (key == "lockout_failures") {
      settings.lockout_failures = static_cast<int>(number(file, value, key, 1, 100));
    } else if (key == "lockout_window_s") {
      settings.lockout_window = std::chrono::seconds(number(file, value, key, 1, kDay));
    } else if (key == "lockout_duration_s") {
      settings.lockout_duration = std::chrono::seconds(number(file, value, key, 1, kDay));
    } else if (key == "session_idle_s") {
      settings.session_idle = std::chrono::seconds(number(file, value, key, 60, kDay));
    } else if (key == "session_max_s") {
      settings.session_max = std::chrono::seconds(number(file, value, key, 60, 7 * kDay));
    } else {
      fail(file, entry.first, key,
           "unknown key (known: access_point_subnets, lockout_failures, lockout_window_s, "
           "lockout_duration_s, session_idle_s, session_max_s)");
    }
  }
  return settings;
}

}  // namespace hearth::accounts
