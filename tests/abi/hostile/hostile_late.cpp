// hostile-late: breaks "stop() must join any thread the plugin started". Inside stop() it starts
// a 0 ms timer, and leaves behind a detached thread that, `late_ms` after stop() began (default
// 20 ms, so stop has returned and usually destroy too), calls post() with the same device
// handle. The host must drop the timer, refuse or drop the post, and never call the plugin back:
// a delivered callback logs "hostile-late: LATE CALLBACK DELIVERED" and counts in
// hostile_late_deliveries(). The thread logs "hostile-late: post after stop returned <status>"
// when it is done. Only raw handles are used after stop: the C++ device object is gone by then.
#include <atomic>
#include <hearth/plugin.hpp>
#include <thread>

namespace hostile {

std::atomic<int> g_late_deliveries{0};

void late_callback(void *user) {
  g_late_deliveries++;
  const auto *api = static_cast<const hearth_host_api *>(user);
  api->log(nullptr, HEARTH_LOG_ERROR, "hostile-late: LATE CALLBACK DELIVERED");
}

class Late : public hearth::Device {
 public:
  Late() : late_(host().param_duration("late_ms")) {}

  void stop() override {
    const hearth_host_api *api = &host().api();
    hearth_device *device = host().device();
    api->timer_start(device, 0, 0, &late_callback, const_cast<hearth_host_api *>(api));
    std::thread([api, device, late = late_] {
      std::this_thread::sleep_for(late);  // the misbehaviour under test, not synchronisation
      const int32_t status = api->post(device, &late_callback, const_cast<hearth_host_api *>(api));
      const std::string line =
          std::string("hostile-late: post after stop returned ") + hearth::status_name(status);
      api->log(nullptr, HEARTH_LOG_WARN, line.c_str());
    }).detach();
  }

 private:
  const std::chrono::milliseconds late_;
};

}  // namespace hostile

// For tests that load this plugin: how many late callbacks the host wrongly delivered.
extern "C" HEARTH_EXPORT int hostile_late_deliveries(void) {
  return hostile::g_late_deliveries.load();
}

HEARTH_PLUGIN("hostile-late", "0.0.1", "Hearth tests", "Apache-2.0",
              "Calls back into the host after stop",
              hearth::driver<hostile::Late>(
                  "hostile-late", "test", "Posts from a leftover thread after stop",
                  hearth::param_duration("late_ms").min(0).max(10000).default_value("20ms").help(
                      "Delay after stop() began before the late post.")))
