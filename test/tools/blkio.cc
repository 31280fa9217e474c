// blkio: the block figures of scripts/bench, measured inside a guest on its own disk
// (xen-blkfront), the same program on every side. O_DIRECT throughout, so the guest's page
// cache is never what is measured.
//   blkio seq-read  DEV MIB        1 MiB reads over the first MIB MiB
//   blkio seq-write DEV MIB        1 MiB writes over the first MIB MiB
//   blkio rand-read  DEV QD SECS   4 KiB reads at random 4 KiB offsets, QD in flight (Linux AIO)
//   blkio rand-write DEV QD SECS   the same, writing
// One result line: "blkio: <test> <figure> <unit> (<count> in <seconds> s)".
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMiB = 1 << 20;
constexpr std::size_t kBlock = 4096;

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "blkio: %s: %s\n", why.c_str(), std::strerror(errno));
    std::exit(1);
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

void* aligned(std::size_t bytes) {
    void* p = nullptr;
    if (posix_memalign(&p, kBlock, bytes) != 0) die("out of memory");
    std::memset(p, 0x5a, bytes);
    return p;
}

void sequential(const char* dev, bool write, unsigned mib) {
    const int fd = ::open(dev, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
    if (fd < 0) die(std::string("open ") + dev);
    void* buf = aligned(kMiB);
    const auto t0 = Clock::now();
    for (unsigned i = 0; i < mib; ++i) {
        const off_t at = static_cast<off_t>(i) * kMiB;
        const ssize_t n = write ? ::pwrite(fd, buf, kMiB, at) : ::pread(fd, buf, kMiB, at);
        if (n != static_cast<ssize_t>(kMiB)) die(write ? "write" : "read");
    }
    if (write && ::fsync(fd) != 0) die("fsync");
    const double s = seconds_since(t0);
    std::printf("blkio: seq-%s %.1f MB/s (%u MiB in %.3f s)\n", write ? "write" : "read",
                mib * double(kMiB) / 1e6 / s, mib, s);
    ::close(fd);
}

long sys_io_setup(unsigned n, aio_context_t* ctx) { return ::syscall(SYS_io_setup, n, ctx); }
long sys_io_submit(aio_context_t ctx, long n, iocb** cbs) {
    return ::syscall(SYS_io_submit, ctx, n, cbs);
}
long sys_io_getevents(aio_context_t ctx, long min, long max, io_event* ev) {
    return ::syscall(SYS_io_getevents, ctx, min, max, ev, nullptr);
}

void random_io(const char* dev, bool write, unsigned depth, double secs) {
    const int fd = ::open(dev, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
    if (fd < 0) die(std::string("open ") + dev);
    std::uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) die("BLKGETSIZE64");
    const std::uint64_t blocks = bytes / kBlock;
    if (blocks == 0 || depth == 0 || depth > 256) die("bad device size or queue depth");
    aio_context_t ctx = 0;
    if (sys_io_setup(depth, &ctx) != 0) die("io_setup");
    auto* buf = static_cast<char*>(aligned(depth * kBlock));
    std::vector<iocb> cbs(depth);
    std::vector<io_event> events(depth);
    std::mt19937_64 rng(42);
    const auto submit = [&](unsigned slot) {
        iocb& cb = cbs[slot];
        std::memset(&cb, 0, sizeof cb);
        cb.aio_fildes = static_cast<std::uint32_t>(fd);
        cb.aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
        cb.aio_buf = reinterpret_cast<std::uint64_t>(buf + slot * kBlock);
        cb.aio_nbytes = kBlock;
        cb.aio_offset = static_cast<std::int64_t>((rng() % blocks) * kBlock);
        cb.aio_data = slot;
        iocb* one = &cb;
        if (sys_io_submit(ctx, 1, &one) != 1) die("io_submit");
    };
    const auto t0 = Clock::now();
    for (unsigned i = 0; i < depth; ++i) submit(i);
    std::uint64_t done = 0;
    unsigned in_flight = depth;
    bool stopping = false;
    while (in_flight > 0) {
        const long n = sys_io_getevents(ctx, 1, depth, events.data());
        if (n < 0) {
            if (errno == EINTR) continue;
            die("io_getevents");
        }
        for (long i = 0; i < n; ++i) {
            if (events[i].res != static_cast<std::int64_t>(kBlock)) {
                errno = events[i].res < 0 ? static_cast<int>(-events[i].res) : EIO;
                die(write ? "random write" : "random read");
            }
            ++done;
            --in_flight;
            if (!stopping && seconds_since(t0) >= secs) stopping = true;
            if (!stopping) {
                submit(static_cast<unsigned>(events[i].data));
                ++in_flight;
            }
        }
    }
    const double s = seconds_since(t0);
    std::printf("blkio: rand-%s-qd%u %.0f IOPS (%llu in %.3f s)\n", write ? "write" : "read",
                depth, done / s, static_cast<unsigned long long>(done), s);
    ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string test = argc > 1 ? argv[1] : "";
    if ((test == "seq-read" || test == "seq-write") && argc == 4) {
        sequential(argv[2], test == "seq-write", static_cast<unsigned>(std::atoi(argv[3])));
    } else if ((test == "rand-read" || test == "rand-write") && argc == 5) {
        random_io(argv[2], test == "rand-write", static_cast<unsigned>(std::atoi(argv[3])),
                  std::atof(argv[4]));
    } else {
        std::fprintf(stderr,
                     "usage: blkio seq-read|seq-write DEV MIB\n"
                     "       blkio rand-read|rand-write DEV QUEUE-DEPTH SECONDS\n");
        return 2;
    }
    return 0;
}
