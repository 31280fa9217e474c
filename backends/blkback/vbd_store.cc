#include "vbd_store.hpp"

namespace tessera::blkback {

xs::Result<bool> XsVbdStore::write_under(const std::string& dir, const NodeList& nodes) {
    bool present = false;
    auto done = client_.transaction([&](xs::TxId tx) -> xs::Result<void> {
        present = false;
        auto exists = client_.read(dir, tx);
        if (!exists) return exists.error().code == ENOENT ? xs::Result<void>{}
                                                          : std::unexpected(exists.error());
        present = true;
        for (const auto& [path, value] : nodes) {
            if (auto w = client_.write(path, value, tx); !w) return w;
        }
        return {};
    });
    if (!done) return std::unexpected(done.error());
    return present;
}

}  // namespace tessera::blkback
