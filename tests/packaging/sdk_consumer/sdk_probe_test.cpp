// Loads the probe plugin into the SDK's fake host, as a vendor's unit test would.
#include <cstdio>
#include <hearth/testing/fake_host.hpp>

int main() {
  hearth::testing::FakeHost host;
  const hearth_plugin_desc *desc = host.load_library(SDK_PROBE_PLUGIN);
  if (desc == nullptr) {
    std::fprintf(stderr, "FAIL: plugin refused: %s\n", host.load_error().c_str());
    return 1;
  }
  auto &probe = host.create_device("probe", "sdk-probe", {{"power_w", 1234.5}});
  if (probe.start() != HEARTH_OK) {
    std::fprintf(stderr, "FAIL: start: %s\n", probe.last_error().c_str());
    return 1;
  }
  host.advance_ms(2500);
  const auto &point = probe.point("power_w");
  if (point.publications.size() != 2 || point.last().number() != 1234.5) {
    std::fprintf(stderr, "FAIL: expected 2 publications of 1234.5 W, got %zu\n",
                 point.publications.size());
    return 1;
  }
  std::printf("sdk-probe %s loaded from the installed SDK: 2 publications of 1234.5 W\n",
              desc->version);
  return 0;
}
