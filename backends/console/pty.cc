#include "pty.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace tessera::consoled {

xen::Result<Pty> Pty::open() {
    Pty pty;
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return xen::fail_errno("posix_openpt");
    pty.master_ = xen::UniqueFd(master);
    if (::grantpt(master) != 0) return xen::fail_errno("grantpt");
    if (::unlockpt(master) != 0) return xen::fail_errno("unlockpt");
    char name[128];
    if (const int err = ::ptsname_r(master, name, sizeof name); err != 0) {
        errno = err;
        return xen::fail_errno("ptsname");
    }
    pty.path_ = name;
    const int slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) return xen::fail_errno("cannot open " + pty.path_);
    pty.slave_ = xen::UniqueFd(slave);
    termios t{};
    if (::tcgetattr(slave, &t) != 0) return xen::fail_errno("tcgetattr " + pty.path_);
    ::cfmakeraw(&t);
    if (::tcsetattr(slave, TCSANOW, &t) != 0) return xen::fail_errno("tcsetattr " + pty.path_);
    const int flags = ::fcntl(master, F_GETFL);
    if (flags < 0 || ::fcntl(master, F_SETFL, flags | O_NONBLOCK) != 0) {
        return xen::fail_errno("O_NONBLOCK on the pty master");
    }
    return pty;
}

xen::Result<std::string> ensure_devpts() {
    auto probe = Pty::open();
    if (probe) return std::string();
    const int code = probe.error().code;
    if (code != ENOENT && code != ENODEV) return std::unexpected(probe.error());
    if (::mkdir("/dev/pts", 0755) != 0 && errno != EEXIST) return xen::fail_errno("mkdir /dev/pts");
    if (::mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                "gid=5,mode=620,ptmxmode=666") != 0) {
        return xen::fail_errno("mount devpts on /dev/pts");
    }
    if (auto again = Pty::open(); !again) return std::unexpected(again.error());
    return std::string("mounted devpts on /dev/pts");
}

}  // namespace tessera::consoled
