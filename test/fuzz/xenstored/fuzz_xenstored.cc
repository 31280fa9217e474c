// libFuzzer target: arbitrary bytes as request streams from three clients (dom0 tools, two
// guests) and as a guest's ring page, through the real parsing and request handling. After
// every input the tree must still be consistent. Also feeds inputs starting with "S" to the
// state-file parser. Build and run: test/fuzz/xenstored/run.sh (docs/xenstored.md).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "daemon.hpp"
#include "persist.hpp"
#include "ring.hpp"
#include "xs/wire.hpp"

using namespace tessera::xenstored;
namespace xs = tessera::xs;

namespace {

void drain(Connection& c) {
    while (!c.output().empty()) c.pop_front();
}

void fuzz_streams(const std::uint8_t* data, std::size_t size) {
    Quota q;
    q.nodes = 64;  // small limits so that quota paths are reached
    q.watches = 8;
    q.transactions = 4;
    Daemon daemon(q);
    const std::shared_ptr<Connection> conns[3] = {
        daemon.add_connection(Connection::Kind::kSocket, 0),
        daemon.add_connection(Connection::Kind::kDomain, 1),
        daemon.add_connection(Connection::Kind::kDomain, 2),
    };
    daemon.introduce(1, 1, 1, true);
    daemon.adopt_domain_connection(daemon.domains().at(1), conns[1]);
    xs::StreamDecoder decoders[3];
    xenstore_domain_interface page{};
    Ring ring(page);
    auto ring_conn = daemon.add_connection(Connection::Kind::kDomain, 3);

    std::size_t pos = 0;
    while (pos + 2 <= size) {
        const unsigned selector = data[pos] % 5;
        const std::size_t len = std::min<std::size_t>(size - pos - 2, 1 + data[pos + 1] * 4u);
        const char* chunk = reinterpret_cast<const char*>(data + pos + 2);
        pos += 2 + len;
        if (selector < 3) {
            std::span<const char> rest(chunk, len);
            while (!rest.empty()) {
                auto& d = decoders[selector];
                rest = rest.subspan(d.feed(rest));
                if (d.status() == xs::StreamDecoder::Status::kTooLong) {
                    d = xs::StreamDecoder{};  // the transport would drop the client
                } else if (d.status() == xs::StreamDecoder::Status::kMessage) {
                    daemon.handle(*conns[selector], d.take());
                }
            }
        } else if (selector == 3) {
            // Guest bytes into the request ring.
            for (std::size_t i = 0; i < len && page.req_prod - page.req_cons < XENSTORE_RING_SIZE;
                 ++i) {
                page.req[MASK_XENSTORE_IDX(page.req_prod)] = chunk[i];
                ++page.req_prod;
            }
            std::vector<xs::Message> msgs;
            ring.read_requests(msgs, 16);
            for (const auto& m : msgs) daemon.handle(*ring_conn, m);
            std::size_t written = 0;
            ring.write_output(*ring_conn, written);
            page.rsp_cons = page.rsp_prod;
        } else {
            // A hostile guest scribbles over its indices.
            std::uint32_t idx[4] = {};
            std::memcpy(idx, chunk, std::min(len, sizeof idx));
            page.req_cons = idx[0];
            page.req_prod = idx[1];
            page.rsp_cons = idx[2];
            page.rsp_prod = idx[3];
            if (ring.failed()) ring.reset();
            std::vector<xs::Message> msgs;
            ring.read_requests(msgs, 4);
            for (const auto& m : msgs) daemon.handle(*ring_conn, m);
            std::size_t written = 0;
            ring.write_output(*ring_conn, written);
        }
        if ((pos & 7) == 0) {
            for (auto& c : conns) drain(*c);
        }
    }
    if (const auto problem = daemon.store().check(); !problem.empty()) {
        std::fprintf(stderr, "inconsistent store: %s\n", problem.c_str());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 0 && data[0] == 'S') {
        Daemon daemon;
        std::string error;
        const std::string text = "tessera-xenstored-state 1\n" +
                                 std::string(reinterpret_cast<const char*>(data + 1), size - 1);
        if (restore_state(daemon, text, error) == 0 && !daemon.store().check().empty())
            std::abort();
        return 0;
    }
    fuzz_streams(data, size);
    return 0;
}
