// xenstored benchmark client: ops/s and p50/p99 latency of read, write, directory, transaction
// commit and watch delivery with 1 and N concurrent clients, and daemon memory per 10,000 nodes.
// Works against any xenstored socket (ours, or Xen's for comparison). See run.sh.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "xs/client.hpp"

namespace xs = tessera::xs;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
    double ops_per_s = 0;
    double p50_us = 0;
    double p99_us = 0;
};

xs::Client connect(const std::string& path) {
    auto c = xs::Client::open(path);
    if (!c) {
        std::fprintf(stderr, "bench: %s: %s\n", path.c_str(), c.error().message.c_str());
        std::exit(1);
    }
    return std::move(*c);
}

void must(const xs::Result<void>& r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "bench: %s failed: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
}

/// Run op(client_index, iteration) ops times on each of n threads; one connection per thread
/// (plus a second one for watch delivery, passed as `aux`).
Stats measure(const std::string& path, int n, int ops,
              const std::function<void(xs::Client&, xs::Client&, int, int)>& setup,
              const std::function<void(xs::Client&, xs::Client&, int, int)>& op) {
    std::vector<std::vector<double>> lat(n);
    std::vector<std::thread> threads;
    std::vector<xs::Client> main_conns;
    std::vector<xs::Client> aux_conns;
    for (int i = 0; i < n; ++i) {
        main_conns.push_back(connect(path));
        aux_conns.push_back(connect(path));
        setup(main_conns[i], aux_conns[i], i, 0);
    }
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            lat[i].reserve(ops);
            for (int k = 0; k < ops; ++k) {
                const auto t0 = Clock::now();
                op(main_conns[i], aux_conns[i], i, k);
                lat[i].push_back(
                    std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
            }
        });
    }
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> all;
    for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    Stats s;
    s.ops_per_s = static_cast<double>(all.size()) / secs;
    s.p50_us = all[all.size() / 2];
    s.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
    return s;
}

long rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            long v = 0;
            in >> v;
            return v;
        }
        in.ignore(4096, '\n');
    }
    return -1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"xenstored benchmark client"};
    std::string path = xs::default_socket_path();
    int ops = 2000;
    int clients = 16;
    int pid = 0;
    app.add_option("-s,--socket", path, "Daemon socket")->capture_default_str();
    app.add_option("--ops", ops, "Operations per client per test")->capture_default_str();
    app.add_option("--clients", clients, "Concurrent clients for the parallel runs")
        ->capture_default_str();
    app.add_option("--pid", pid, "Daemon pid, to report memory per 10,000 nodes");
    CLI11_PARSE(app, argc, argv);

    const auto key = [](int i, int k) {
        return "/bench/c" + std::to_string(i) + "/k" + std::to_string(k % 100);
    };
    const auto prepare = [&](xs::Client& c, xs::Client&, int i, int) {
        for (int k = 0; k < 100; ++k) must(c.write(key(i, k), "value"), "prepare");
    };
    const auto none = [](xs::Client&, xs::Client&, int, int) {};
    struct Test {
        const char* name;
        std::function<void(xs::Client&, xs::Client&, int, int)> setup;
        std::function<void(xs::Client&, xs::Client&, int, int)> op;
    };
    const std::vector<Test> tests{
        {"write", none,
         [&](xs::Client& c, xs::Client&, int i, int k) { must(c.write(key(i, k), "v"), "write"); }},
        {"read", prepare,
         [&](xs::Client& c, xs::Client&, int i, int k) {
             if (!c.read(key(i, k))) std::exit(1);
         }},
        {"directory", prepare,
         [&](xs::Client& c, xs::Client&, int i, int) {
             if (!c.directory("/bench/c" + std::to_string(i))) std::exit(1);
         }},
        {"tx-commit", prepare,
         [&](xs::Client& c, xs::Client&, int i, int k) {
             must(c.transaction([&](xs::TxId t) { return c.write(key(i, k), "t", t); }),
                  "transaction");
         }},
        {"watch-delivery",
         [&](xs::Client& c, xs::Client& w, int i, int) {
             must(c.write("/bench/w" + std::to_string(i), ""), "prepare watch");
             must(w.watch("/bench/w" + std::to_string(i), "tok"), "watch");
             if (!w.wait_watch()) std::exit(1);  // the initial event
         },
         [&](xs::Client& c, xs::Client& w, int i, int) {
             must(c.write("/bench/w" + std::to_string(i) + "/x", "1"), "write");
             if (!w.wait_watch()) std::exit(1);
         }},
    };
    std::printf("%-16s %8s %12s %10s %10s\n", "operation", "clients", "ops/s", "p50 us", "p99 us");
    for (const auto& t : tests) {
        for (const int n : {1, clients}) {
            const auto s = measure(path, n, ops, t.setup, t.op);
            std::printf("%-16s %8d %12.0f %10.1f %10.1f\n", t.name, n, s.ops_per_s, s.p50_us,
                        s.p99_us);
        }
    }
    if (pid > 0) {
        auto c = connect(path);
        const long before = rss_kib(pid);
        for (int k = 0; k < 10000; ++k)
            must(c.write("/mem/n" + std::to_string(k / 100) + "/k" + std::to_string(k % 100),
                         "value-12345"),
                 "mem write");
        const long after = rss_kib(pid);
        std::printf("memory: %ld KiB RSS for 10,000 nodes (%.0f bytes/node)\n", after - before,
                    static_cast<double>(after - before) * 1024.0 / 10000.0);
    }
    return 0;
}
