// Self-test of the AVX-512 kernels against the AVX2 kernels and a scalar reference, for CPUs with
// AVX-512F (the development machine has none). test/engine-native.test.ts compiles it against the
// built kernel libraries and runs it where cpuid reports AVX-512F.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "plan.h"
static void serial(void*, int items, SethTaskFn fn, void* ctx) { for (int i = 0; i < items; i++) fn(ctx, i, 0); }
static double rnd() { return 2 * drand48() - 1; }
static void naive(const double* Q, const double* K, const double* V, int n, int d, double s, bool causal, double* O) {
  std::vector<double> w(n);
  for (int i = 0; i < n; i++) {
    int last = causal ? i + 1 : n; double mx = -INFINITY;
    for (int j = 0; j < last; j++) { double t = 0; for (int c = 0; c < d; c++) t += Q[i * d + c] * K[j * d + c]; w[j] = s * t; if (w[j] > mx) mx = w[j]; }
    double sum = 0; for (int j = 0; j < last; j++) { w[j] = exp(w[j] - mx); sum += w[j]; }
    for (int c = 0; c < d; c++) { double a = 0; for (int j = 0; j < last; j++) a += w[j] * V[j * d + c]; O[i * d + c] = a / sum; }
  }
}
int main() {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) { printf("no avx512f here\n"); return 2; }
  const SethKernels* k5 = seth_kernels_avx512();
  const SethKernels* k2 = seth_kernels_avx2();
  SethRunner r{serial, nullptr, 1};
  int fails = 0;
  // exp
  for (int f32 = 0; f32 < 2; f32++) {
    int N = 100000; std::vector<double> x(N), y(N);
    double lo = f32 ? -87 : -708, hi = f32 ? 88 : 709;
    for (int i = 0; i < N; i++) x[i] = f32 ? (double)(float)(lo + (hi - lo) * i / (N - 1)) : lo + (hi - lo) * i / (N - 1);
    k5->exp(f32, x.data(), y.data(), N, lo);
    double worst = 0; for (int i = 0; i < N; i++) { double e = fabs(y[i] - exp(x[i])) / exp(x[i]); if (!(e <= worst)) worst = e; }
    double bound = f32 ? 2e-7 : ldexp(1.0, -51);
    printf("avx512 exp %s: max rel err %.3g (bound %.3g) %s\n", f32 ? "f32" : "f64", worst, bound, worst <= bound ? "ok" : "FAIL");
    fails += !(worst <= bound);
  }
  // bare attention
  int shapes[][3] = {{1, 1, 0}, {7, 3, 1}, {100, 13, 0}, {130, 64, 1}, {333, 96, 0}, {700, 70, 1}};
  for (auto& sh : shapes) for (int f32 = 0; f32 < 2; f32++) {
    int n = sh[0], d = sh[1]; bool causal = sh[2];
    std::vector<double> Q(n * d), K(n * d), V(n * d), O(n * d), R(n * d);
    for (int i = 0; i < n * d; i++) Q[i] = rnd(), K[i] = rnd(), V[i] = rnd();
    SethAttention* a = k5->prepare(f32, n, d, 1, 0.7, causal, Q.data(), K.data(), V.data());
    k5->run(f32, a, &r); k5->read(f32, a, O.data()); k5->release(f32, a);
    naive(Q.data(), K.data(), V.data(), n, d, 0.7, causal, R.data());
    double e = 0; for (int i = 0; i < n * d; i++) { double t = fabs(O[i] - R[i]); if (!(t <= e)) e = t; }
    double bound = f32 ? 1e-5 : 1e-12;
    printf("avx512 attention %s n=%d d=%d causal=%d: max err %.3g %s\n", f32 ? "f32" : "f64", n, d, causal, e, e <= bound ? "ok" : "FAIL");
    fails += !(e <= bound);
  }
  // whole models: avx512 against avx2
  for (int trial = 0; trial < 12; trial++) for (int f32 = 0; f32 < 2; f32++) {
    int n = 1 + (trial * 97) % 300, m = 1 + trial % 9, L = 1 + trial % 3, H = 1 + trial % 4, G = (trial % 2) ? 1 : H, hid = (trial % 3) ? 5 + trial : 0;
    bool causal = trial % 4 < 2;
    std::vector<std::vector<double>> W(3 * L * H, std::vector<double>(m * m)); for (auto& w : W) for (auto& v : w) v = rnd() / sqrt(m);
    std::vector<const double*> Wq, Wk, Wv; for (int i = 0; i < L * H; i++) { Wq.push_back(W[3 * i].data()); int lead = (i / H) * H + ((i % H) / (H / G)) * (H / G); Wk.push_back(W[3 * lead + 1].data()); Wv.push_back(W[3 * lead + 2].data()); }
    std::vector<double> X(n * m); for (auto& v : X) v = 2 * rnd();
    std::vector<int> hidden(L, hid); std::vector<std::vector<double>> P(4 * L);
    std::vector<const double*> W1(L), b1(L), W2(L), b2(L);
    for (int l = 0; l < L; l++) if (hid) { P[4*l].resize(m*hid); P[4*l+1].resize(hid); P[4*l+2].resize(hid*m); P[4*l+3].resize(m); for (int q = 0; q < 4; q++) for (auto& v : P[4*l+q]) v = 0.5 * rnd(); W1[l]=P[4*l].data(); b1[l]=P[4*l+1].data(); W2[l]=P[4*l+2].data(); b2[l]=P[4*l+3].data(); }
    std::vector<double> out5(n * m), out2(n * m);
    for (int which = 0; which < 2; which++) {
      SethModel M{}; M.f32 = f32; M.n = n; M.m = m; M.L = L; M.H = H; M.kvGroups = G; M.causal = causal; M.residual = trial % 2; M.scale = 1.0 / m;
      M.X = X.data(); M.Wq = Wq.data(); M.Wk = Wk.data(); M.Wv = Wv.data(); M.hidden = hidden.data(); M.W1 = W1.data(); M.b1 = b1.data(); M.W2 = W2.data(); M.b2 = b2.data();
      M.out = which ? out2.data() : out5.data(); M.poison = 1;
      if ((which ? k2 : k5)->evaluate(&M, &r)) { printf("error %s\n", M.error); fails++; }
      if (M.badLayer >= 0) { printf("non-finite at %d %d %d\n", M.badLayer, M.badHead, M.badRow); fails++; }
    }
    double e = 0, sc = 1; for (int i = 0; i < n * m; i++) { double t = fabs(out5[i] - out2[i]); if (!(t <= e)) e = t; sc = fmax(sc, fabs(out2[i])); }
    double bound = (f32 ? 1e-4 : 1e-10) * sc;
    printf("avx512 vs avx2 model %s n=%d m=%d L=%d H=%d G=%d hidden=%d causal=%d: max diff %.3g %s\n", f32 ? "f32" : "f64", n, m, L, H, G, hid, causal, e, e <= bound ? "ok" : "FAIL");
    fails += !(e <= bound);
  }
  SethRunner r1{serial, nullptr, 1};
  printf("peak one thread avx512 f64 %.1f f32 %.1f GFLOP/s\n", k5->peak(0, &r1, 50000000), k5->peak(1, &r1, 50000000));
  printf("peak one thread avx2 f64 %.1f f32 %.1f GFLOP/s\n", k2->peak(0, &r1, 50000000), k2->peak(1, &r1, 50000000));
  printf(fails ? "SELFTEST FAILED (%d)\n" : "SELFTEST PASSED\n", fails);
  return fails ? 1 : 0;
}
