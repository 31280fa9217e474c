// The pseudo-terminal a guest console is offered on (its slave path goes to
// /local/domain/N/console/tty, where `xl console` finds it). We keep the slave open ourselves,
// in raw mode: the master then never reads EIO when the last user detaches, and output nobody
// reads fills the pty until the master's (non-blocking) writes fail with EAGAIN.
#pragma once

#include <string>

#include "hvcall/error.hpp"

namespace tessera::consoled {

class Pty {
public:
    Pty() = default;
    /// A new pty: master non-blocking and close-on-exec, slave open and raw.
    static xen::Result<Pty> open();

    int master() const { return master_.get(); }
    int slave() const { return slave_.get(); }
    const std::string& slave_path() const { return path_; }

private:
    xen::UniqueFd master_;
    xen::UniqueFd slave_;
    std::string path_;
};

/// Make ptys work: if /dev/ptmx cannot hand one out because devpts is not mounted on /dev/pts
/// (a minimal initramfs), mount it. Returns what was done ("" if nothing was needed).
xen::Result<std::string> ensure_devpts();

}  // namespace tessera::consoled
