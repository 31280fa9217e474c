// Console capture for host tests.
#include "arch/host/fake.h"
#include "hv/console.h"

namespace hv::fake {

ConsoleCapture::ConsoleCapture() {
    console::set_sink({[](void* ctx, const char* data, usize len) {
                           static_cast<std::string*>(ctx)->append(data, len);
                       },
                       &text_});
}

ConsoleCapture::~ConsoleCapture() { console::set_sink({}); }

}  // namespace hv::fake
