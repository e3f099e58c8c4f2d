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

}  // namespace hearth::hal
