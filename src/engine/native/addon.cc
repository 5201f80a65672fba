// N-API glue of the native engine (src/engine/native/engine.ts loads it): the thread pool, the
// choice of kernels by cpuid, and the functions JavaScript calls. Evaluations run as async work
// (off the JavaScript thread); the pool's threads and that thread share the work.
#define NAPI_VERSION 8
#include <node_api.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plan.h"

namespace {

// ---------------------------------------------------------------------------------------------
// Thread pool: `threads − 1` workers plus the calling thread; items taken from a shared counter.
// Pools are made once per thread count and live until the process exits (their threads are
// detached and idle ones sleep on a condition variable).
// ---------------------------------------------------------------------------------------------

class Pool {
 public:
  explicit Pool(int threads) : threads_(threads) {
    for (int t = 1; t < threads; t++) std::thread([this, t] { loop(t); }).detach();
  }

  static void runThunk(void* self, int items, SethTaskFn fn, void* ctx) { static_cast<Pool*>(self)->run(items, fn, ctx); }

  void run(int items, SethTaskFn fn, void* ctx) {
    std::lock_guard<std::mutex> one(runMu_);  // one job at a time
    if (threads_ == 1 || items == 1) {
      for (int i = 0; i < items; i++) fn(ctx, i, 0);
      return;
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      fn_ = fn, ctx_ = ctx, items_ = items;
      next_.store(0);
      busy_ = threads_ - 1;
      generation_++;
    }
    wake_.notify_all();
    work(0);
    std::unique_lock<std::mutex> g(mu_);
    done_.wait(g, [this] { return busy_ == 0; });
  }

  int threads() const { return threads_; }

 private:
  void work(int thread) {
    for (;;) {
      int i = next_.fetch_add(1);
      if (i >= items_) return;
      fn_(ctx_, i, thread);
    }
  }

  void loop(int thread) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> g(mu_);
        wake_.wait(g, [&] { return generation_ != seen; });
        seen = generation_;
      }
      work(thread);
      std::lock_guard<std::mutex> g(mu_);
      if (--busy_ == 0) done_.notify_one();
    }
  }

  const int threads_;
  std::mutex runMu_, mu_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  SethTaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int items_ = 0;
  int busy_ = 0;
  std::atomic<int> next_{0};
};

std::mutex poolsMu;
std::map<int, Pool*>* pools = new std::map<int, Pool*>();  // never freed: see Pool

SethRunner runnerFor(int threads) {
  if (threads < 1) threads = 1;
  std::lock_guard<std::mutex> g(poolsMu);
  Pool*& p = (*pools)[threads];
  if (!p) p = new Pool(threads);
  return SethRunner{Pool::runThunk, p, threads};
}

int defaultThreads() {
  unsigned t = std::thread::hardware_concurrency();
  return t == 0 ? 1 : (int)t;
}

// ---------------------------------------------------------------------------------------------
// Kernels by instruction set
// ---------------------------------------------------------------------------------------------

#if defined(__x86_64__)
bool hasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool hasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && hasAvx2();
}
#else
// Other architectures build the glue only (binding.gyp), and the engine reports why it cannot run.
bool hasAvx2() { return false; }
bool hasAvx512() { return false; }
const SethKernels* seth_kernels_avx2() { return nullptr; }
const SethKernels* seth_kernels_avx512() { return nullptr; }
#endif

/** The kernels for `want` ("auto", "avx2", "avx512"), or null with the reason. */
const SethKernels* kernelsFor(const std::string& want, std::string* why) {
  if (want == "avx512") {
    if (hasAvx512()) return seth_kernels_avx512();
    *why = "this CPU has no AVX-512F";
    return nullptr;
  }
  if (want == "avx2") {
    if (hasAvx2()) return seth_kernels_avx2();
    *why = "this CPU has no AVX2 with FMA";
    return nullptr;
  }
  if (want == "auto") {
    if (hasAvx512()) return seth_kernels_avx512();
    if (hasAvx2()) return seth_kernels_avx2();
    *why = "this CPU has neither AVX2 with FMA nor AVX-512F";
    return nullptr;
  }
  *why = "unknown instruction set \"" + want + "\" (expected auto, avx2 or avx512)";
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// N-API helpers
// ---------------------------------------------------------------------------------------------

struct JsError {
  std::string message;
};

void check(napi_env env, napi_status s) {
  if (s == napi_ok) return;
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  throw JsError{std::string("N-API call failed: ") + (info && info->error_message ? info->error_message : "unknown")};
}

napi_value prop(napi_env env, napi_value obj, const char* name) {
  napi_value v;
  check(env, napi_get_named_property(env, obj, name, &v));
  return v;
}

bool isNullish(napi_env env, napi_value v) {
  napi_valuetype t;
  check(env, napi_typeof(env, v, &t));
  return t == napi_undefined || t == napi_null;
}

double num(napi_env env, napi_value obj, const char* name, double fallback) {
  napi_value v = prop(env, obj, name);
  if (isNullish(env, v)) return fallback;
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw JsError{std::string("expected a number for ") + name};
  return d;
}

bool flag(napi_env env, napi_value obj, const char* name) {
  napi_value v = prop(env, obj, name);
  if (isNullish(env, v)) return false;
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) throw JsError{std::string("expected a boolean for ") + name};
  return b;
}

std::string str(napi_env env, napi_value obj, const char* name, const char* fallback) {
  napi_value v = prop(env, obj, name);
  if (isNullish(env, v)) return fallback;
  size_t len;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) throw JsError{std::string("expected a string for ") + name};
  std::string s(len, '\0');
  check(env, napi_get_value_string_utf8(env, v, &s[0], len + 1, &len));
  return s;
}

/** The data of a Float64Array of exactly `length` elements. */
const double* f64(napi_env env, napi_value v, size_t length, const std::string& what) {
  bool is;
  check(env, napi_is_typedarray(env, v, &is));
  if (!is) throw JsError{what + ": expected a Float64Array"};
  napi_typedarray_type type;
  size_t len;
  void* data;
  check(env, napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr));
  if (type != napi_float64_array) throw JsError{what + ": expected a Float64Array"};
  if (len != length) throw JsError{what + ": expected " + std::to_string(length) + " elements, found " + std::to_string(len)};
  return static_cast<const double*>(data);
}

napi_value element(napi_env env, napi_value arr, uint32_t i) {
  napi_value v;
  check(env, napi_get_element(env, arr, i, &v));
  return v;
}

napi_value newFloat64Array(napi_env env, size_t length, double** data) {
  napi_value ab, arr;
  void* p;
  check(env, napi_create_arraybuffer(env, length * sizeof(double), &p, &ab));
  check(env, napi_create_typedarray(env, napi_float64_array, length, ab, 0, &arr));
  *data = static_cast<double*>(p);
  return arr;
}

napi_value throwJs(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// evaluate(params) → Promise<{ output, perHead?, bad? }>
// ---------------------------------------------------------------------------------------------

struct EvalJob {
  SethModel model;
  const SethKernels* kernels;
  SethRunner runner;
  std::vector<const double*> Wq, Wk, Wv, W1, b1, W2, b2;
  std::vector<int> hidden;
  std::vector<napi_ref> refs;  // every input array and the outputs, alive until completion
  napi_ref outRef = nullptr, perHeadRef = nullptr;
  napi_deferred deferred;
  napi_async_work work;
  napi_threadsafe_function progress = nullptr;
  int status = 0;
};

void progressToJs(napi_env env, napi_value fn, void*, void* data) {
  if (!env || !fn) return;
  napi_value arg, undefined;
  napi_create_int32(env, (int32_t)(intptr_t)data, &arg);
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, fn, 1, &arg, nullptr);
}

void progressFromKernel(void* ctx, int done) {
  EvalJob* job = static_cast<EvalJob*>(ctx);
  napi_call_threadsafe_function(job->progress, (void*)(intptr_t)done, napi_tsfn_nonblocking);
}

void evalExecute(napi_env, void* data) {
  EvalJob* job = static_cast<EvalJob*>(data);
  job->status = job->kernels->evaluate(&job->model, &job->runner);
}

void evalComplete(napi_env env, napi_status, void* data) {
  EvalJob* job = static_cast<EvalJob*>(data);
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  if (job->status != 0) {
    napi_value msg, err;
    napi_create_string_utf8(env, job->model.error, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, nullptr, msg, &err);
    napi_reject_deferred(env, job->deferred, err);
  } else {
    napi_value result, out;
    napi_create_object(env, &result);
    napi_get_reference_value(env, job->outRef, &out);
    napi_set_named_property(env, result, "output", out);
    if (job->perHeadRef) {
      napi_value ph;
      napi_get_reference_value(env, job->perHeadRef, &ph);
      napi_set_named_property(env, result, "perHead", ph);
    }
    if (job->model.badLayer >= 0) {
      napi_value bad, v;
      napi_create_array_with_length(env, 3, &bad);
      napi_create_int32(env, job->model.badLayer, &v), napi_set_element(env, bad, 0, v);
      napi_create_int32(env, job->model.badHead, &v), napi_set_element(env, bad, 1, v);
      napi_create_int32(env, job->model.badRow, &v), napi_set_element(env, bad, 2, v);
      napi_set_named_property(env, result, "bad", bad);
    }
    napi_resolve_deferred(env, job->deferred, result);
  }
  for (napi_ref r : job->refs) napi_delete_reference(env, r);
  if (job->progress) napi_release_threadsafe_function(job->progress, napi_tsfn_release);
  napi_delete_async_work(env, job->work);
  napi_close_handle_scope(env, scope);
  delete job;
}

napi_value Evaluate(napi_env env, napi_callback_info info) {
  EvalJob* job = new EvalJob();
  try {
    size_t argc = 1;
    napi_value p;
    check(env, napi_get_cb_info(env, info, &argc, &p, nullptr, nullptr));
    if (argc < 1) throw JsError{"evaluate(params) needs its parameters"};
    std::string why;
    job->kernels = kernelsFor(str(env, p, "isa", "auto"), &why);
    if (!job->kernels) throw JsError{why};
    SethModel& M = job->model;
    memset(&M, 0, sizeof M);
    M.f32 = flag(env, p, "f32");
    M.n = (int)num(env, p, "n", 0), M.m = (int)num(env, p, "m", 0), M.L = (int)num(env, p, "L", 0), M.H = (int)num(env, p, "H", 0);
    if (M.n < 1 || M.m < 1 || M.L < 1 || M.H < 1) throw JsError{"n, m, L, H must be positive"};
    M.kvGroups = (int)num(env, p, "kvGroups", M.H);
    M.causal = flag(env, p, "causal");
    M.residual = flag(env, p, "residual");
    M.scale = num(env, p, "scale", 1);
    M.poison = flag(env, p, "poison");
    const size_t n = (size_t)M.n, m = (size_t)M.m, L = (size_t)M.L, H = (size_t)M.H;
    auto keep = [&](napi_value v) {
      napi_ref r;
      check(env, napi_create_reference(env, v, 1, &r));
      job->refs.push_back(r);
    };
    napi_value X = prop(env, p, "X");
    M.X = f64(env, X, n * m, "X");
    keep(X);
    napi_value wq = prop(env, p, "Wq"), wk = prop(env, p, "Wk"), wv = prop(env, p, "Wv");
    for (uint32_t i = 0; i < L * H; i++) {
      napi_value q = element(env, wq, i), k = element(env, wk, i), v = element(env, wv, i);
      job->Wq.push_back(f64(env, q, m * m, "Wq")), job->Wk.push_back(f64(env, k, m * m, "Wk")), job->Wv.push_back(f64(env, v, m * m, "Wv"));
      keep(q), keep(k), keep(v);
    }
    napi_value hid = prop(env, p, "hidden"), w1 = prop(env, p, "W1"), bb1 = prop(env, p, "b1"), w2 = prop(env, p, "W2"), bb2 = prop(env, p, "b2");
    for (uint32_t l = 0; l < L; l++) {
      double h;
      check(env, napi_get_value_double(env, element(env, hid, l), &h));
      const size_t hd = h > 0 ? (size_t)h : 0;
      job->hidden.push_back((int)hd);
      if (hd == 0) {
        job->W1.push_back(nullptr), job->b1.push_back(nullptr), job->W2.push_back(nullptr), job->b2.push_back(nullptr);
        continue;
      }
      napi_value a = element(env, w1, l), b = element(env, bb1, l), c = element(env, w2, l), d = element(env, bb2, l);
      job->W1.push_back(f64(env, a, m * hd, "W1")), job->b1.push_back(f64(env, b, hd, "b1"));
      job->W2.push_back(f64(env, c, hd * m, "W2")), job->b2.push_back(f64(env, d, m, "b2"));
      keep(a), keep(b), keep(c), keep(d);
    }
    M.Wq = job->Wq.data(), M.Wk = job->Wk.data(), M.Wv = job->Wv.data();
    M.hidden = job->hidden.data();
    M.W1 = job->W1.data(), M.b1 = job->b1.data(), M.W2 = job->W2.data(), M.b2 = job->b2.data();
    napi_value out = newFloat64Array(env, n * m, &M.out);
    check(env, napi_create_reference(env, out, 1, &job->outRef));
    job->refs.push_back(job->outRef);
    if (flag(env, p, "perHead")) {
      napi_value ph = newFloat64Array(env, L * H * n * m, &M.perHead);
      check(env, napi_create_reference(env, ph, 1, &job->perHeadRef));
      job->refs.push_back(job->perHeadRef);
    }
    job->runner = runnerFor((int)num(env, p, "threads", defaultThreads()));
    napi_value onProgress = prop(env, p, "onProgress");
    if (!isNullish(env, onProgress)) {
      napi_value name;
      check(env, napi_create_string_utf8(env, "seth-native-progress", NAPI_AUTO_LENGTH, &name));
      check(env, napi_create_threadsafe_function(env, onProgress, nullptr, name, 0, 1, nullptr, nullptr, nullptr, progressToJs, &job->progress));
      M.progress = progressFromKernel;
      M.progressCtx = job;
    }
    napi_value promise, name;
    check(env, napi_create_promise(env, &job->deferred, &promise));
    check(env, napi_create_string_utf8(env, "seth-native-evaluate", NAPI_AUTO_LENGTH, &name));
    check(env, napi_create_async_work(env, nullptr, name, evalExecute, evalComplete, job, &job->work));
    check(env, napi_queue_async_work(env, job->work));
    return promise;
  } catch (const JsError& e) {
    for (napi_ref r : job->refs) napi_delete_reference(env, r);
    if (job->progress) napi_release_threadsafe_function(job->progress, napi_tsfn_release);
    delete job;
    return throwJs(env, e.message);
  }
}

// ---------------------------------------------------------------------------------------------
// Bare attention batches: prepareAttention(params) → handle; runAttention(handle, threads) →
// Promise; readAttention(handle) → Float64Array (heads·n·d); releaseAttention(handle).
// ---------------------------------------------------------------------------------------------

struct Batch {
  const SethKernels* kernels;
  SethAttention* data;
  int f32, n, d, heads;
  bool running = false;
};

void batchFinalize(napi_env, void* data, void*) {
  Batch* b = static_cast<Batch*>(data);
  if (b->data && !b->running) b->kernels->release(b->f32, b->data);
  delete b;
}

Batch* unwrapBatch(napi_env env, napi_value v) {
  void* data;
  if (napi_get_value_external(env, v, &data) != napi_ok) throw JsError{"expected a prepared attention batch"};
  Batch* b = static_cast<Batch*>(data);
  if (!b->data) throw JsError{"the prepared attention batch was released"};
  return b;
}

napi_value PrepareAttention(napi_env env, napi_callback_info info) {
  try {
    size_t argc = 1;
    napi_value p;
    check(env, napi_get_cb_info(env, info, &argc, &p, nullptr, nullptr));
    std::string why;
    const SethKernels* k = kernelsFor(str(env, p, "isa", "auto"), &why);
    if (!k) throw JsError{why};
    const int f32 = flag(env, p, "f32"), n = (int)num(env, p, "n", 0), d = (int)num(env, p, "d", 0), heads = (int)num(env, p, "heads", 0);
    if (n < 1 || d < 1 || heads < 1) throw JsError{"n, d, heads must be positive"};
    const size_t len = (size_t)heads * n * d;
    const double* Q = f64(env, prop(env, p, "Q"), len, "Q");
    const double* K = f64(env, prop(env, p, "K"), len, "K");
    const double* V = f64(env, prop(env, p, "V"), len, "V");
    SethAttention* a = k->prepare(f32, n, d, heads, num(env, p, "scale", 1), flag(env, p, "causal"), Q, K, V);
    if (!a) throw JsError{"out of memory preparing the attention batch"};
    Batch* b = new Batch{k, a, f32, n, d, heads};
    napi_value ext;
    check(env, napi_create_external(env, b, batchFinalize, nullptr, &ext));
    return ext;
  } catch (const JsError& e) {
    return throwJs(env, e.message);
  }
}

struct RunJob {
  Batch* batch;
  SethRunner runner;
  napi_ref ref;
  napi_deferred deferred;
  napi_async_work work;
};

void runExecute(napi_env, void* data) {
  RunJob* job = static_cast<RunJob*>(data);
  job->batch->kernels->run(job->batch->f32, job->batch->data, &job->runner);
}

void runComplete(napi_env env, napi_status, void* data) {
  RunJob* job = static_cast<RunJob*>(data);
  job->batch->running = false;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_resolve_deferred(env, job->deferred, undefined);
  napi_delete_reference(env, job->ref);
  napi_delete_async_work(env, job->work);
  delete job;
}

napi_value RunAttention(napi_env env, napi_callback_info info) {
  try {
    size_t argc = 2;
    napi_value a[2];
    check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
    Batch* b = unwrapBatch(env, a[0]);
    if (b->running) throw JsError{"the attention batch is already running"};
    double threads = defaultThreads();
    if (argc > 1 && !isNullish(env, a[1])) check(env, napi_get_value_double(env, a[1], &threads));
    RunJob* job = new RunJob{b, runnerFor((int)threads), nullptr, nullptr, nullptr};
    check(env, napi_create_reference(env, a[0], 1, &job->ref));
    b->running = true;
    napi_value promise, name;
    check(env, napi_create_promise(env, &job->deferred, &promise));
    check(env, napi_create_string_utf8(env, "seth-native-attention", NAPI_AUTO_LENGTH, &name));
    check(env, napi_create_async_work(env, nullptr, name, runExecute, runComplete, job, &job->work));
    check(env, napi_queue_async_work(env, job->work));
    return promise;
  } catch (const JsError& e) {
    return throwJs(env, e.message);
  }
}

napi_value ReadAttention(napi_env env, napi_callback_info info) {
  try {
    size_t argc = 1;
    napi_value a;
    check(env, napi_get_cb_info(env, info, &argc, &a, nullptr, nullptr));
    Batch* b = unwrapBatch(env, a);
    if (b->running) throw JsError{"the attention batch is running"};
    double* out;
    napi_value arr = newFloat64Array(env, (size_t)b->heads * b->n * b->d, &out);
    b->kernels->read(b->f32, b->data, out);
    return arr;
  } catch (const JsError& e) {
    return throwJs(env, e.message);
  }
}

napi_value ReleaseAttention(napi_env env, napi_callback_info info) {
  try {
    size_t argc = 1;
    napi_value a;
    check(env, napi_get_cb_info(env, info, &argc, &a, nullptr, nullptr));
    Batch* b = unwrapBatch(env, a);
    if (b->running) throw JsError{"the attention batch is running"};
    b->kernels->release(b->f32, b->data);
    b->data = nullptr;
    return nullptr;
  } catch (const JsError& e) {
    return throwJs(env, e.message);
  }
}

// ---------------------------------------------------------------------------------------------
// exp(x, f32, cut, isa) → Float64Array; peak(f32, threads, iters, isa) → GFLOP/s; info()
// ---------------------------------------------------------------------------------------------

/** The four arguments of exp and peak into a[0..3]; the kernels named by the last one (an ISA string). */
const SethKernels* argsWithIsa(napi_env env, napi_callback_info info, napi_value a[4], const char* usage) {
  size_t argc = 4;
  check(env, napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc < 4) throw JsError{usage};
  size_t len;
  char isa[32];
  check(env, napi_get_value_string_utf8(env, a[3], isa, sizeof isa, &len));
  std::string why;
  const SethKernels* k = kernelsFor(isa, &why);
  if (!k) throw JsError{why};
  return k;
}

napi_value Exp(napi_env env, napi_callback_info info) {
  try {
    napi_value a[4];
    const SethKernels* k = argsWithIsa(env, info, a, "exp(x, f32, cut, isa)");
    napi_typedarray_type type;
    size_t len;
    void* data;
    check(env, napi_get_typedarray_info(env, a[0], &type, &len, &data, nullptr, nullptr));
    if (type != napi_float64_array) throw JsError{"exp: expected a Float64Array"};
    bool f32;
    double cut;
    check(env, napi_get_value_bool(env, a[1], &f32));
    check(env, napi_get_value_double(env, a[2], &cut));
    double* out;
    napi_value arr = newFloat64Array(env, len, &out);
    k->exp(f32, static_cast<const double*>(data), out, (long)len, cut);
    return arr;
  } catch (const JsError& e) {
    return throwJs(env, e.message);
  }
}

napi_value Peak(napi_env env, napi_callback_info info) {
  try {
    napi_value a[4];
    const SethKernels* k = argsWithIsa(env, info, a, "peak(f32, threads, iters, isa)");
    bool f32;
    double threads, iters;
    check(env, napi_get_value_bool(env, a[0], &f32));
    check(env, napi_get_value_double(env, a[1], &threads));
    check(env, napi_get_value_double(env, a[2], &iters));
    SethRunner r = runnerFor((int)threads);
    napi_value v;
    check(env, napi_create_double(env, k->peak(f32, &r, (long)iters), &v));
    return v;
  } catch (const JsError& e) {
    return throwJs(env, e.message);
  }
}

napi_value Info(napi_env env, napi_callback_info) {
  try {
    napi_value o, v;
    check(env, napi_create_object(env, &o));
    std::string why;
    const SethKernels* k = kernelsFor("auto", &why);
    if (k) check(env, napi_create_string_utf8(env, k->isa, NAPI_AUTO_LENGTH, &v));
    else check(env, napi_get_null(env, &v));
    check(env, napi_set_named_property(env, o, "isa", v));
    check(env, napi_create_string_utf8(env, why.c_str(), NAPI_AUTO_LENGTH, &v));
    check(env, napi_set_named_property(env, o, "unsupported", v));
    check(env, napi_get_boolean(env, hasAvx512(), &v));
    check(env, napi_set_named_property(env, o, "avx512", v));
    check(env, napi_get_boolean(env, hasAvx2(), &v));
    check(env, napi_set_named_property(env, o, "avx2", v));
    check(env, napi_create_int32(env, defaultThreads(), &v));
    check(env, napi_set_named_property(env, o, "threads", v));
    return o;
  } catch (const JsError& e) {
    return throwJs(env, e.message);
  }
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor fns[] = {
      {"evaluate", nullptr, Evaluate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"prepareAttention", nullptr, PrepareAttention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"runAttention", nullptr, RunAttention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"readAttention", nullptr, ReadAttention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"releaseAttention", nullptr, ReleaseAttention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"exp", nullptr, Exp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"peak", nullptr, Peak, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}
