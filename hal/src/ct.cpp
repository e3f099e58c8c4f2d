#include <hearth/hal/ct.hpp>

namespace hearth::hal {

hearth_ct_block CtBlock::abi_view() const {
  hearth_ct_block view{};
  view.struct_size = sizeof view;
  view.channel = channel;
  view.first_sample_mono_ns = first_sample_mono_ns;
  view.sample_rate_hz = sample_rate_hz;
  view.current_skew_s = current_skew_s;
  view.count = static_cast<uint32_t>(voltage_v.size());
  view.voltage_v = voltage_v.data();
  view.current_a = current_a.data();
  return view;
}

std::optional<uint32_t> ct_channel_index(std::string_view name) {
  if (name.size() != 3 || name.substr(0, 2) != "CT") return std::nullopt;
  const char digit = name[2];
  if (digit < '1' || digit > static_cast<char>('0' + kCtChannelCount)) return std::nullopt;
  return static_cast<uint32_t>(digit - '1');
}

}  // namespace hearth::hal
