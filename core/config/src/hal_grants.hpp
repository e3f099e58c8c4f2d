// `hal: { do: [DO1], di: [DI1], ct: [CT1] }` in a device entry: which of the box's channels the
// device may use. A DO drives one thing, so it is granted to one device only; inputs may be shared.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "yaml_nodes.hpp"

namespace hearth::config::detail {

class HalGrants {
 public:
  // Checks one device's `hal:` map and returns its grants ("do" → ["DO1"]).
  std::map<std::string, std::vector<std::string>> check(const Located &hal,
                                                        const std::string &device_id,
                                                        std::vector<Error> &errors);

 private:
  struct Owner {
    std::string device_id;
    Mark mark;
  };
  std::map<std::string, Owner> output_owners_;  // "DO1" → the device it is granted to
};

// The box's channels of one kind ("di" → DI1..DI4), for ripple-control inputs too.
bool is_channel(std::string_view kind, std::string_view name);
std::vector<std::string> channel_names(std::string_view kind);

}  // namespace hearth::config::detail
