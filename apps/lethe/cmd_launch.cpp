// lethe launch --nproc-per-node N [--master-addr A] [--master-port P] -- <lethe args...>
//
// torchrun for one node: starts N copies of this program (fork + exec of /proc/self/exe) with the
// torchrun variables RANK = LOCAL_RANK = i, WORLD_SIZE = LOCAL_WORLD_SIZE = N, MASTER_ADDR,
// MASTER_PORT (default: a free port, found by binding port 0) and, when OMP_NUM_THREADS is unset,
// OMP_NUM_THREADS = max(1, cores / N). Each worker's stdout and stderr lines are prefixed with
// "[rank i] ". SIGINT/SIGTERM/SIGHUP are forwarded to the workers. When a worker fails (non-zero
// exit or a signal) the others get SIGTERM (SIGKILL after 10 s) and launch exits with the failed
// worker's status (128 + signal for a signal); 0 when every worker exits 0.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "commands.h"
#include "lethe/core/error.h"

namespace lethe::cli {
namespace {

struct LaunchArgs {
  int nproc = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;
  std::vector<std::string> args;
};

volatile std::sig_atomic_t g_signal = 0;
void on_signal(int sig) { g_signal = sig; }

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("launch: socket() failed while looking for a free port");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    throw Error("launch: could not bind a free port; pass --master-port");
  }
  close(fd);
  return ntohs(a.sin_port);
}

struct Worker {
  pid_t pid = -1;
  int rank = 0;
  int out = -1, err = -1;           // read ends of the worker's stdout / stderr pipes
  std::string out_buf, err_buf;     // incomplete last lines
  bool done = false;
  int status = 0;
};

// Writes the complete lines of `buf` (and, at EOF, the rest) to `fd`, each prefixed.
void flush_lines(std::string& buf, int fd, const std::string& prefix, bool eof) {
  size_t start = 0, nl;
  std::string out;
  while ((nl = buf.find('\n', start)) != std::string::npos) {
    out += prefix + buf.substr(start, nl - start + 1);
    start = nl + 1;
  }
  buf.erase(0, start);
  if (eof && !buf.empty()) {
    out += prefix + buf + "\n";
    buf.clear();
  }
  for (size_t off = 0; off < out.size();) {
    const ssize_t n = write(fd, out.data() + off, out.size() - off);
    if (n <= 0) break;
    off += size_t(n);
  }
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

int launch(const LaunchArgs& a) {
  if (a.nproc < 1) throw ConfigError("launch: --nproc-per-node must be >= 1, got " + std::to_string(a.nproc));
  if (a.args.empty()) throw ConfigError("launch: no command; usage: lethe launch --nproc-per-node N -- unlearn --config R.yaml");
  const int port = a.master_port > 0 ? a.master_port : free_port();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string omp = std::to_string(std::max(1u, cores / unsigned(a.nproc)));

  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &sa, nullptr);

  std::vector<Worker> workers(a.nproc);
  for (int r = 0; r < a.nproc; ++r) {
    int po[2], pe[2];
    if (pipe(po) != 0 || pipe(pe) != 0) throw Error("launch: pipe() failed");
    const pid_t pid = fork();
    if (pid < 0) throw Error("launch: fork() failed");
    if (pid == 0) {  // the worker
      dup2(po[1], STDOUT_FILENO);
      dup2(pe[1], STDERR_FILENO);
      for (int fd : {po[0], po[1], pe[0], pe[1]}) close(fd);
      for (int s : {SIGINT, SIGTERM, SIGHUP}) signal(s, SIG_DFL);
      setenv("RANK", std::to_string(r).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(a.nproc).c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", std::to_string(a.nproc).c_str(), 1);
      setenv("MASTER_ADDR", a.master_addr.c_str(), 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      setenv("OMP_NUM_THREADS", omp.c_str(), 0);
      std::vector<std::string> argv_s{"lethe"};
      argv_s.insert(argv_s.end(), a.args.begin(), a.args.end());
      std::vector<char*> argv;
      for (auto& s : argv_s) argv.push_back(s.data());
      argv.push_back(nullptr);
      execv("/proc/self/exe", argv.data());
      const std::string msg = "lethe launch: exec of /proc/self/exe failed\n";
      (void)!write(STDERR_FILENO, msg.data(), msg.size());
      _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    workers[r].pid = pid;
    workers[r].rank = r;
    workers[r].out = po[0];
    workers[r].err = pe[0];
  }

  int result = 0;
  bool stopping = false;
  auto stop_deadline = std::chrono::steady_clock::time_point::max();
  auto signal_all = [&](int sig) {
    for (auto& w : workers)
      if (!w.done) kill(w.pid, sig);
  };
  while (true) {
    // Output: everything that is ready, line by line.
    std::vector<pollfd> fds;
    std::vector<std::pair<Worker*, bool>> who;  // (worker, is stderr)
    for (auto& w : workers) {
      if (w.out >= 0) fds.push_back({w.out, POLLIN, 0}), who.emplace_back(&w, false);
      if (w.err >= 0) fds.push_back({w.err, POLLIN, 0}), who.emplace_back(&w, true);
    }
    if (!fds.empty() && poll(fds.data(), fds.size(), 100) > 0) {
      for (size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto& [w, is_err] = who[i];
        char buf[65536];
        const ssize_t n = read(fds[i].fd, buf, sizeof buf);
        auto& line_buf = is_err ? w->err_buf : w->out_buf;
        const std::string prefix = "[rank " + std::to_string(w->rank) + "] ";
        if (n > 0) {
          line_buf.append(buf, size_t(n));
          flush_lines(line_buf, is_err ? STDERR_FILENO : STDOUT_FILENO, prefix, false);
        } else if (n == 0 || errno != EINTR) {
          flush_lines(line_buf, is_err ? STDERR_FILENO : STDOUT_FILENO, prefix, true);
          close(fds[i].fd);
          (is_err ? w->err : w->out) = -1;
        }
      }
    } else if (fds.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // Signals to the launcher go on to the workers.
    if (g_signal != 0) {
      const int sig = g_signal;
      g_signal = 0;
      signal_all(sig);
      if (!stopping) {
        stopping = true;
        result = 128 + sig;
        stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      }
    }
    // Exits: the first failure stops the others.
    for (auto& w : workers) {
      if (w.done) continue;
      int status = 0;
      if (waitpid(w.pid, &status, WNOHANG) != w.pid) continue;
      w.done = true;
      w.status = status;
      if (exit_code(status) != 0 && !stopping) {
        std::cerr << "lethe launch: rank " << w.rank << " failed ("
                  << (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status)))
                  << "); stopping the other workers\n";
        stopping = true;
        result = exit_code(status);
        signal_all(SIGTERM);
        stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      }
    }
    if (stopping && std::chrono::steady_clock::now() > stop_deadline) {
      signal_all(SIGKILL);
      stop_deadline = std::chrono::steady_clock::time_point::max();
    }
    bool all_done = true;
    for (auto& w : workers) all_done = all_done && w.done && w.out < 0 && w.err < 0;
    if (all_done) break;
  }
  return result;
}

}  // namespace

void register_launch(CLI::App& app) {
  auto a = std::make_shared<LaunchArgs>();
  auto* cmd = app.add_subcommand(
      "launch", "Run a lethe command on N local data-parallel workers (torchrun-style: RANK, WORLD_SIZE, MASTER_ADDR, ...)");
  cmd->add_option("--nproc-per-node", a->nproc, "Number of worker processes")->required();
  cmd->add_option("--master-addr", a->master_addr, "Address of rank 0's rendezvous store")->capture_default_str();
  cmd->add_option("--master-port", a->master_port, "Port of the rendezvous store (0 = a free one)")->capture_default_str();
  cmd->add_option("args", a->args, "The lethe command each worker runs, after --, e.g. -- unlearn --config R.yaml")
      ->required();
  cmd->callback([a] {
    const int code = launch(*a);
    if (code != 0) std::exit(code);
  });
}

}  // namespace lethe::cli
