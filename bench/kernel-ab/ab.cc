// A/B harness for the native kernels (bench/kernel-ab/run.sh builds it): two versions of kernel.h
// (A, B) linked into one program, timed on the bench's attention sizes with calls alternating
// A, B, A, B … so that both see the same moment of a shared host; each also against the FMA loop
// measured at the start. Threads are std::threads made for each call (the addon keeps a pool) taking
// items from a counter, as the addon's pool does.
//
//   ab THREADS F32 REPS [SIZES]     SIZES: "n,d,heads;n,d,heads;…" (default: the bench's four)
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "plan.h"

extern "C" const SethKernels* kernelsA();
extern "C" const SethKernels* kernelsB();

namespace {

struct Pool {
  int threads;
};

void runItems(void* self, int items, SethTaskFn fn, void* ctx) {
  const int T = static_cast<Pool*>(self)->threads;
  std::atomic<int> next{0};
  auto work = [&](int t) {
    for (int i; (i = next++) < items;) fn(ctx, i, t);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < T; t++) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
}

double clockSeconds(clockid_t id) {
  timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

struct Size {
  int n, d, heads;
};

std::vector<Size> parseSizes(const char* s) {
  std::vector<Size> out;
  while (s && *s) {
    char* e;
    Size z{};
    z.n = (int)strtol(s, &e, 10);
    if (*e != ',') break;
    z.d = (int)strtol(e + 1, &e, 10);
    if (*e != ',') break;
    z.heads = (int)strtol(e + 1, &e, 10);
    if (z.n <= 0 || z.d <= 0 || z.heads <= 0) break;
    out.push_back(z);
    s = *e == ';' ? e + 1 : e;
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: ab THREADS F32(0|1) REPS [\"n,d,heads;…\"]\n");
    return 2;
  }
  const int threads = atoi(argv[1]), f32 = atoi(argv[2]), reps = std::max(3, atoi(argv[3]));
  std::vector<Size> sizes = argc > 4 ? parseSizes(argv[4]) : std::vector<Size>{{1024, 64, 1}, {2048, 96, 1}, {4096, 64, 1}, {1024, 64, 8}};
  if (sizes.empty()) {
    fprintf(stderr, "ab: sizes must be \"n,d,heads;…\" with positive integers\n");
    return 2;
  }
  Pool pool{threads};
  const SethRunner runner{runItems, &pool, threads};
  const SethKernels* k[2] = {kernelsA(), kernelsB()};
  double peak = 0;
  for (int i = 0; i < 3; i++) peak = std::max(peak, k[0]->peak(f32, &runner, f32 ? 10000000 : 20000000));
  printf("%s, %d thread(s), FMA peak %.1f GFLOP/s; GFLOP/s (fraction of the peak) wall and per CPU-second, medians of %d\n", f32 ? "f32" : "f64",
         threads, peak, reps);
  printf("| size | A wall | B wall | A per CPU-s | B per CPU-s | B / A | max |A − B| |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const Size& s : sizes) {
    const long count = (long)s.heads * s.n * s.d;
    std::vector<double> Q(count), K(count), V(count), outA(count), outB(count);
    unsigned long long x = 88172645463325252ull;  // xorshift: the same inputs for A and B, every run
    auto uniform = [&x] {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      return (double)(x >> 11) / 9007199254740992.0 - 0.5;
    };
    for (long i = 0; i < count; i++) Q[i] = uniform(), K[i] = uniform(), V[i] = uniform();
    SethAttention* a[2];
    for (int j = 0; j < 2; j++) a[j] = k[j]->prepare(f32, s.n, s.d, s.heads, 1 / std::sqrt((double)s.d), 0, Q.data(), K.data(), V.data());
    if (!a[0] || !a[1]) {
      fprintf(stderr, "ab: out of memory at n = %d\n", s.n);
      return 1;
    }
    const double gflop = 4.0 * s.n * (double)s.n * s.d * s.heads / 1e9;
    std::vector<double> wall[2], cpu[2];
    for (int j = 0; j < 2; j++) k[j]->run(f32, a[j], &runner);  // warm-up
    for (int r = 0; r < reps; r++)
      for (int j = 0; j < 2; j++) {
        const double w0 = clockSeconds(CLOCK_MONOTONIC), c0 = clockSeconds(CLOCK_PROCESS_CPUTIME_ID);
        k[j]->run(f32, a[j], &runner);
        wall[j].push_back(clockSeconds(CLOCK_MONOTONIC) - w0), cpu[j].push_back(clockSeconds(CLOCK_PROCESS_CPUTIME_ID) - c0);
      }
    k[0]->read(f32, a[0], outA.data()), k[1]->read(f32, a[1], outB.data());
    double diff = 0;
    for (long i = 0; i < count; i++) diff = std::max(diff, std::fabs(outA[i] - outB[i]));
    // The FMA loop keeps every thread busy, so its rate per CPU-second is peak / threads.
    const double perCpuPeak = peak / threads;
    double w[2], c[2];
    for (int j = 0; j < 2; j++) w[j] = gflop / median(wall[j]), c[j] = gflop / median(cpu[j]);
    printf("| (%d, %d) × %d | %.1f (%.0f %%) | %.1f (%.0f %%) | %.1f (%.0f %%) | %.1f (%.0f %%) | %.3f | %.1e |\n", s.n, s.d, s.heads, w[0],
           100 * w[0] / peak, w[1], 100 * w[1] / peak, c[0], 100 * c[0] / perCpuPeak, c[1], 100 * c[1] / perCpuPeak, w[1] / w[0], diff);
    for (int j = 0; j < 2; j++) k[j]->release(f32, a[j]);
  }
  return 0;
}
