// hostile-wrong-thread: start() launches a thread of the plugin's own that calls point_publish,
// a [core thread] function. The host must refuse it with HEARTH_E_WRONG_THREAD. The thread then
// reports the status it got the allowed way (post, [any thread]); on the core thread it is
// published as the point `wrong_thread_status` and logged. stop() joins the thread.
#include <hearth/plugin.hpp>
#include <thread>

namespace hostile {

class WrongThread : public hearth::Device {
 public:
  void start() override {
    value_ = host().declare_point<double>("value", "W", 60'000);
    status_ = host().declare_point<int64_t>("wrong_thread_status", "", 60'000);
    thread_ = std::thread([this] {
      const hearth_value v = hearth::make_value(1.0);
      const int32_t status = host().api().point_publish(host().device(), value_.id(), &v,
                                                        host().now_mono_ns(), HEARTH_QUALITY_GOOD);
      host().post([this, status] {
        host().info("hostile-wrong-thread: point_publish from my own thread returned ",
                    hearth::status_name(status));
        status_.publish(status);
      });
    });
  }
  void stop() override {
    if (thread_.joinable()) thread_.join();
  }

 private:
  hearth::Point<double> value_;
  hearth::Point<int64_t> status_;
  std::thread thread_;
};

}  // namespace hostile

HEARTH_PLUGIN("hostile-wrong-thread", "0.0.1", "Hearth tests", "Apache-2.0",
              "Calls a core-thread function from its own thread",
              hearth::driver<hostile::WrongThread>("hostile-wrong-thread", "test",
                                                   "Publishes a point from a thread of its own"))
